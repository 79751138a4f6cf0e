"""The login form says which field is wrong, in French, marks it aria-invalid with a
.field-error paragraph it is described by, and keeps the typed e-mail: a blank e-mail, a
blank password, refused credentials (both fields, without telling which one is wrong) and
a throttled account (the e-mail)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from crm import login_throttle
from crm.models import AuditEvent
from tests.support.factories import PASSWORD, make_user


async def _post(client: Any, **fields: str) -> tuple[int, str]:
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await client.post("/login", data={"login_csrf": token, **fields}, allow_redirects=False)
    return resp.status, await resp.text()


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input id="{name}"[^>]*>', html)
    assert found, f"no input {name!r}"
    return found.group(0)


def _field_error(html: str, name: str) -> str | None:
    found = re.search(rf'<p class="field-error" role="alert" id="{name}-error">([^<]*)</p>', html)
    return found.group(1) if found else None


async def _audited(db) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


async def test_a_blank_email_is_named_and_marked_and_no_attempt_is_counted(client, db):
    status, html = await _post(client, email="  ", password="quelque-chose")

    assert status == 422
    assert _field_error(html, "email") == "Saisissez votre adresse e-mail."
    assert 'aria-invalid="true" aria-describedby="email-error"' in _input(html, "email")
    assert "aria-invalid" not in _input(html, "password")
    assert await _audited(db) == 0


async def test_a_blank_password_is_named_and_marked_and_the_email_is_kept(client, db):
    status, html = await _post(client, email="agent@bailleur.fr", password="")

    assert status == 422
    assert _field_error(html, "password") == "Saisissez votre mot de passe."
    password = _input(html, "password")
    assert 'aria-invalid="true" aria-describedby="password-error"' in password and "autofocus" in password
    email = _input(html, "email")
    assert 'value="agent@bailleur.fr"' in email and "aria-invalid" not in email


async def test_both_blank_fields_are_named(client, db):
    status, html = await _post(client, email="", password="")

    assert status == 422
    assert _field_error(html, "email") == "Saisissez votre adresse e-mail."
    assert _field_error(html, "password") == "Saisissez votre mot de passe."


async def test_an_email_without_an_at_sign_is_named(client, db):
    status, html = await _post(client, email="agent.bailleur.fr", password="x")

    assert status == 422
    assert "Adresse e-mail invalide" in (_field_error(html, "email") or "")
    assert 'value="agent.bailleur.fr"' in _input(html, "email")


async def test_refused_credentials_mark_both_fields_with_one_message(client, db):
    user = await make_user(db, "adviser", "Blois")

    status, html = await _post(client, email=user.email, password="pas-le-bon")

    assert status == 401
    assert _field_error(html, "password") == "Adresse e-mail ou mot de passe incorrect."
    assert _field_error(html, "email") is None  # which of the two is wrong is not said
    email = _input(html, "email")
    assert f'value="{user.email}"' in email
    assert 'aria-invalid="true" aria-describedby="password-error"' in email
    assert 'aria-invalid="true" aria-describedby="password-error"' in _input(html, "password")


async def test_a_throttled_account_is_said_on_the_email_field(client, db):
    user = await make_user(db, "adviser", "Blois")
    for _ in range(login_throttle.PER_ACCOUNT):
        await _post(client, email=user.email, password="pas-le-bon")

    status, html = await _post(client, email=user.email, password=PASSWORD)

    assert status == 429
    assert "Trop de tentatives de connexion" in (_field_error(html, "email") or "")
    assert 'aria-invalid="true" aria-describedby="email-error"' in _input(html, "email")
    assert f'value="{user.email}"' in _input(html, "email")
