"""French phone numbers as landlords' files write them, turned into E.164 and a kind.

Exports carry every French writing (``06 12 34 56 78``, ``+33 6…``, ``0033 6…``, dots,
dashes, ``+33 (0)6…``) and Excel's damage (the leading 0 or the ``+`` dropped when the
column was taken for a number). The kind decides what a number may receive: only a
mobile gets SMS, whatever column it was written in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from crm.models import PhoneKind

# France and the overseas départements and collectivités, which share the French plan.
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"})
# A national number "0690…" or "0692…" is overseas, but parsing it as "FR" gives +33 69…,
# which does not exist: try the overseas regions when France says no.
_OVERSEAS = ("GP", "MQ", "GF", "RE", "YT")

_MOBILE_TYPES = {PhoneNumberType.MOBILE}
_LANDLINE_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class PhoneResult:
    """A normalised number (``e164`` and ``kind``), or ``error``: why it was refused, in French."""

    raw: str
    e164: str | None = None
    kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.e164 is not None


def _parse(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def _type(number: phonenumbers.PhoneNumber | None) -> int:
    """The number's type; UNKNOWN when it is not a valid number (one metadata scan, where
    ``is_valid_number`` then ``number_type`` would take two)."""
    return PhoneNumberType.UNKNOWN if number is None else phonenumbers.number_type(number)


def _kind(number_type: int) -> str:
    if number_type in _MOBILE_TYPES:
        return PhoneKind.MOBILE
    if number_type in _LANDLINE_TYPES:
        return PhoneKind.LANDLINE
    return PhoneKind.OTHER  # VoIP (09), free and shared-cost numbers: calls only


def _invalid_reason(text: str, number: phonenumbers.PhoneNumber | None) -> str:
    digits = re.sub(r"\D", "", text)
    if text.startswith("0") and not text.startswith("00") and len(digits) != 10:
        # The usual typo: a digit missing or doubled in "06 12 34 56 78".
        return f"un numéro français a 10 chiffres, celui-ci en a {len(digits)}"
    if number is None:
        return "numéro trop court" if 0 < len(digits) < 6 else "ce n'est pas un numéro de téléphone"
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in (ValidationResult.TOO_SHORT, ValidationResult.INVALID_LENGTH):
        return "numéro trop court" if possible == ValidationResult.TOO_SHORT else "nombre de chiffres incorrect"
    if possible == ValidationResult.TOO_LONG:
        return "numéro trop long"
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        return "indicatif pays inconnu"
    return "ce numéro n'existe pas"


# The usual writings of a metropolitan number ("06 12 34 56 78", "06.12...", "+33 6 12...",
# "0033 6...") once the separators are gone: the national significant number is known
# without phonenumbers' parser, which is most of the cost of an import.
_SEPARATORS = str.maketrans("", "", " .-\u00a0")
_PLAIN_FRENCH = re.compile(r"(?:0|\+33|0033)([1-9]\d{8})")


def _plain_french(text: str) -> PhoneResult | None:
    """Fast path for a plainly written French number; None when it needs the full parser
    (overseas numbers, odd lengths, brackets, anything unusual)."""
    match = _PLAIN_FRENCH.fullmatch(text.translate(_SEPARATORS))
    if match is None:
        return None
    number = phonenumbers.PhoneNumber(country_code=33, national_number=int(match.group(1)))
    number_type = phonenumbers.number_type(number)
    if number_type == PhoneNumberType.UNKNOWN:
        return None  # maybe overseas ("0690…"), or invalid: the full path says which and why
    return PhoneResult(raw=text, e164="+33" + match.group(1), kind=_kind(number_type))


def normalise_phone(raw: str | None) -> PhoneResult | None:
    """The number in ``raw`` normalised, or None when the cell is empty.

    An invalid number gives a result whose ``error`` says why (French), never an exception.
    """
    original = text = (raw or "").strip()
    if not text:
        return None
    if (plain := _plain_french(text)) is not None:
        return plain
    if _LETTERS.search(text.replace("(0)", "")):
        # "06 12 34 56 78 (travail)" or "voir mère": not something to dial blindly.
        return PhoneResult(raw=original, error="ce n'est pas un numéro de téléphone")
    digits = re.sub(r"\D", "", text)
    if not text.startswith(("+", "0")) and len(digits) == 9:
        text = "0" + digits  # Excel dropped the leading zero: 612345678
    number = _parse(text, "FR")
    number_type = _type(number)
    if number_type == PhoneNumberType.UNKNOWN and text.startswith("0"):
        for region in _OVERSEAS:
            overseas = _parse(text, region)
            if (overseas_type := _type(overseas)) != PhoneNumberType.UNKNOWN:
                number, number_type = overseas, overseas_type
                break
    if number is not None and phonenumbers.region_code_for_country_code(number.country_code or 0) not in FRENCH_REGIONS:
        return PhoneResult(
            raw=original,
            error=f"numéro étranger (+{number.country_code}) : seuls les numéros français sont acceptés",
        )
    if number is None or number_type == PhoneNumberType.UNKNOWN:
        return PhoneResult(raw=original, error=_invalid_reason(text, number))
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneResult(raw=original, e164=e164, kind=_kind(number_type))


def format_phone(value: str | None) -> str:
    """+33612345678 -> 06 12 34 56 78, as a French tenant would dial it; others unchanged."""
    if not value:
        return ""
    if value.startswith("+33") and len(value) == 12:
        digits = "0" + value[3:]
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    return value
