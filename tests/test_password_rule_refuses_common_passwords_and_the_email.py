"""The password rule: at least 8 characters, not among the commonest passwords (with digits
or symbols added at the end), not the user's e-mail."""

import pytest

from crm.passwords import password_problem


@pytest.mark.parametrize("password", [
    "123456789", "motdepasse", "Motdepasse2026!", "Azerty123", "password1", "aaaaaaaaaaaa", "ababababab",
])
def test_a_common_password_is_refused(password):
    assert "common" in (password_problem(password, "x@bailleur.fr") or "")


@pytest.mark.parametrize("password", ["marie.dupont@bailleur.fr", "xxmarie.dupontxx"])
def test_a_password_made_of_the_email_is_refused(password):
    assert "e-mail" in (password_problem(password, "Marie.Dupont@bailleur.fr") or "")


def test_a_short_password_is_refused():
    assert "8 characters" in (password_problem("Xy7!a", None) or "")


@pytest.mark.parametrize("password", ["un-mot-de-passe", "demo-crm-2026", "cheval batterie agrafe"])
def test_an_ordinary_good_password_is_accepted(password):
    assert password_problem(password, "marie.dupont@bailleur.fr") is None
