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


# The type of a French number is decided by its first digits: phonenumbers' patterns for
# France are all "a prefix, then \d{k}", so whether a 9-digit national number matches one
# depends on its first ``9 - k`` digits only. Three digits decide almost every number ("612",
# "254"); a few prefixes need five (836 0x is premium rate). ``number_type`` tries a dozen
# patterns in Python: here it is asked once per prefix that decides, and the answer kept.
# The shape is read from the metadata at import; any other shape, and every number is asked.
_NATIONAL_LENGTH = 9
_SHORT = 3
_TYPE_DESCS = ("general_desc", "premium_rate", "toll_free", "shared_cost", "voip", "personal_number",
               "pager", "uan", "voicemail", "fixed_line", "mobile")
_TAIL = re.compile(r"(.*)\\d\{(\d+)\}", re.S)


@dataclass(frozen=True, slots=True)
class _TypeShape:
    prefix: int  # leading digits that decide a national number's type
    # Alternatives whose prefix is longer than _SHORT digits: (prefix pattern, its length).
    long_prefixes: tuple[tuple[re.Pattern[str], int], ...]


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (``a|b(c|d)`` -> ``a``, ``b(c|d)``)."""
    parts: list[str] = []
    depth, in_class, start, i = 0, False, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def _type_shape(region: str = "FR") -> _TypeShape | None:
    """Which leading digits decide a national number's type in ``region``; None when its
    patterns are not all "a prefix, then \\d{k}" (lookarounds, variable tails...)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    longest, long_prefixes = 0, []
    for name in _TYPE_DESCS:
        desc = getattr(metadata, name)
        pattern = desc.national_number_pattern if desc is not None else None
        if not pattern:
            continue  # matches nothing: the same answer for every number
        if any(mark in pattern for mark in ("(?=", "(?!", "(?<", "\\1", "$", "^")):
            return None
        for alternative in _alternatives(pattern):
            tail = _TAIL.fullmatch(alternative)
            if tail is None or tail.group(1).endswith("\\"):
                return None
            width = _NATIONAL_LENGTH - int(tail.group(2))
            longest = max(longest, width)
            if width > _SHORT:
                long_prefixes.append((re.compile(tail.group(1)), width))
    return _TypeShape(longest, tuple(long_prefixes))


_SHAPE = _type_shape()
_UNSEEN = -1
_TYPE_OF_SHORT: dict[str, int | None] = {}  # None: the short prefix does not decide
_TYPE_OF_PREFIX: dict[str, int] = {}  # _SHAPE.prefix digits, under a short one that does not


def _ask_type(national: str) -> int:
    return phonenumbers.number_type(phonenumbers.PhoneNumber(country_code=33, national_number=int(national)))


def _needs_more_digits(shape: _TypeShape, short: str) -> bool:
    """Whether some pattern with a longer prefix may match a number starting with ``short``."""
    return any(prefix.fullmatch(f"{short}{n:0{width - len(short)}d}")
               for prefix, width in shape.long_prefixes for n in range(10 ** (width - len(short))))


def _french_type(national: str) -> int:
    """``phonenumbers.number_type`` of +33 ``national`` (9 digits), asked once per prefix
    that decides it."""
    if _SHAPE is None:
        return _ask_type(national)
    short = national[:_SHORT]
    known = _TYPE_OF_SHORT.get(short, _UNSEEN)
    if known == _UNSEEN:
        known = _TYPE_OF_SHORT[short] = None if _needs_more_digits(_SHAPE, short) else _ask_type(national)
    if known is not None:
        return known
    prefix = national[:_SHAPE.prefix]
    number_type = _TYPE_OF_PREFIX.get(prefix)
    if number_type is None:
        number_type = _TYPE_OF_PREFIX[prefix] = _ask_type(national)
    return number_type


def _plain_french(text: str) -> PhoneResult | None:
    """Fast path for a plainly written French number; None when it needs the full parser
    (overseas numbers, odd lengths, brackets, anything unusual)."""
    match = _PLAIN_FRENCH.fullmatch(text.translate(_SEPARATORS))
    if match is None:
        return None
    number_type = _french_type(match.group(1))
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
