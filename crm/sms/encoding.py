"""How an SMS body will travel: GSM-7 or UCS-2, how many units and segments it costs.

A single character outside the GSM-7 table (a curly apostrophe pasted from Word, a
no-break space before "?" in French typography) turns the *whole* message UCS-2 and cuts a
segment from 160 to 70 characters: it roughly doubles the cost of a campaign. The preview
shows those characters and offers ``make_gsm_friendly`` for the harmless ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

# 3GPP TS 23.038 basic character set, as Twilio applies it (ESC 0x1B excluded).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two units (an escape, then the character).
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
MAX_CHARACTERS = 1600  # Twilio refuses longer bodies (error 21617)
MAX_SEGMENTS = 10  # the most segments a campaign SMS may take (French short codes)

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsAnalysis:
    encoding: Encoding
    units: int  # GSM-7 septets or UTF-16 code units
    segments: int
    ucs2_characters: list[str] = field(default_factory=list)  # culprits, in order, once each


def _segments(costs: list[int], single: int, multi: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    # Split messages never cut an escape pair or a surrogate pair in two, so pack greedily.
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def _plain_segments(units: int, single: int, multi: int) -> int:
    # Every character costs one unit: no pair to keep whole, the split is plain division.
    if units <= single:
        return 1 if units else 0
    return -(-units // multi)


def analyse(text: str) -> SmsAnalysis:
    """Encoding, units and segments of ``text`` as the carrier will count them."""
    if GSM7_BASIC.issuperset(text):  # nearly every campaign text: counted at C speed
        return SmsAnalysis("GSM-7", len(text), _plain_segments(len(text), GSM7_SINGLE, GSM7_MULTI))
    # The distinct characters, in order of first appearance (at C speed): a preview
    # analyses one text per recipient.
    culprits = [ch for ch in dict.fromkeys(text) if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED]
    if not culprits:
        gsm_costs = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return SmsAnalysis("GSM-7", sum(gsm_costs),
                           _segments(gsm_costs, GSM7_SINGLE, GSM7_MULTI))
    if max(text) <= "\uffff":  # no emoji: every character is one unit
        return SmsAnalysis("UCS-2", len(text), _plain_segments(len(text), UCS2_SINGLE, UCS2_MULTI),
                           culprits)
    # UCS-2 on the wire is really UTF-16: characters beyond the BMP (emoji) take two units.
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SmsAnalysis("UCS-2", sum(costs), _segments(costs, UCS2_SINGLE, UCS2_MULTI), culprits)


# Typography that carries no meaning in an SMS. Accented letters (ç, ê, œ...) are never
# replaced: changing a tenant's name or a word silently is worse than a costlier message.
_FRIENDLY = str.maketrans({
    "\u2019": "'", "\u2018": "'",
    "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"',
    "\u2026": "...",
    "\u2013": "-", "\u2014": "-",
    "\u00a0": " ", "\u202f": " ",
})


def make_gsm_friendly(text: str) -> str:
    """``text`` with curly quotes, guillemets, ellipsis, dashes and no-break spaces made plain."""
    return text.translate(_FRIENDLY)


# Letters GSM-7 lacks that read the same without their accent in a French SMS.
_PLAIN_EXTRA = {"œ": "oe", "Œ": "OE", "æ": "ae", "ç": "c"}


@lru_cache(maxsize=8192)  # a campaign's values repeat (residences, agencies, civilities)
def gsm_plain(text: str) -> str:
    """``text`` with typography made plain and letters outside GSM-7 written without their
    accent ("Chênaie" → "Chenaie"); é, è, à, ù, Ç... which GSM-7 has, are kept."""
    import unicodedata

    out = []
    for ch in make_gsm_friendly(text):
        if ch in GSM7_BASIC or ch in GSM7_EXTENDED:
            out.append(ch)
        elif ch in _PLAIN_EXTRA:
            out.append(_PLAIN_EXTRA[ch])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            out.append(base if base and all(c in GSM7_BASIC for c in base) else ch)
    return "".join(out)
