"""French phone numbers, written every way landlords' files write them, become E.164 with a
kind; anything else is refused with a French reason."""

import pytest

from crm.phones import normalise_phone

VALID = [
    # (as written, E.164, kind)
    ("06 12 34 56 78", "+33612345678", "mobile"),
    ("0612345678", "+33612345678", "mobile"),
    ("06.12.34.56.78", "+33612345678", "mobile"),
    ("06-12-34-56-78", "+33612345678", "mobile"),
    ("+33 6 12 34 56 78", "+33612345678", "mobile"),
    ("+33612345678", "+33612345678", "mobile"),
    ("+33 (0)6 12 34 56 78", "+33612345678", "mobile"),
    ("0033 6 45 67 89 10", "+33645678910", "mobile"),
    ("0033645678910", "+33645678910", "mobile"),
    (" 07 61 22 33 44 ", "+33761223344", "mobile"),
    ("612345678", "+33612345678", "mobile"),  # Excel dropped the leading zero
    ("33612345678", "+33612345678", "mobile"),  # Excel dropped the plus
    ("02 54 11 22 33", "+33254112233", "landline"),
    ("+33 2 54 76 00 11", "+33254760011", "landline"),
    ("01.45.67.89.10", "+33145678910", "landline"),
    ("09 70 12 34 56", "+33970123456", "other"),  # VoIP box: calls, no SMS
    ("0800 123 456", "+33800123456", "other"),
    ("0692 12 34 56", "+262692123456", "mobile"),  # La Réunion, written nationally
    ("+590 690 12 34 56", "+590690123456", "mobile"),  # Guadeloupe
]

INVALID = [
    # (as written, words expected in the reason)
    ("07 00 00 00 0", "10 chiffres"),
    ("06 12 34 56 78 9", "10 chiffres"),
    ("1234", "trop court"),
    ("+33 6", "trop court"),
    ("abc", "pas un numéro"),
    ("06 12 34 56 78 (travail)", "pas un numéro"),
    ("+32 470 12 34 56", "étranger"),
    ("+44 7700 900123", "étranger"),
    ("00 00 00 00 00", "n'existe pas"),
]


@pytest.mark.parametrize(("written", "e164", "kind"), VALID)
def test_every_french_writing_gives_e164_and_kind(written, e164, kind):
    result = normalise_phone(written)
    assert result is not None and result.ok, result
    assert (result.e164, result.kind, result.error) == (e164, kind, None)


@pytest.mark.parametrize(("written", "reason"), INVALID)
def test_invalid_numbers_are_refused_with_a_french_reason(written, reason):
    result = normalise_phone(written)
    assert result is not None
    assert not result.ok and result.e164 is None
    assert reason in result.error
    assert result.raw == written.strip()


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_an_empty_cell_is_no_number_rather_than_an_error(blank):
    assert normalise_phone(blank) is None
