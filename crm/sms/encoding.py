"""How an SMS body will travel: GSM-7 or UCS-2, how many units and segments it costs.

A single character outside the GSM-7 table (a curly apostrophe pasted from Word, a
no-break space before "?" in French typography) turns the *whole* message UCS-2 and cuts a
segment from 160 to 70 characters: it roughly doubles the cost of a campaign. The preview
shows those characters and offers ``make_gsm_friendly`` for the harmless ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


def analyse(text: str) -> SmsAnalysis:
    """Encoding, units and segments of ``text`` as the carrier will count them."""
    culprits: list[str] = []
    gsm_costs: list[int] = []
    for ch in text:
        if ch in GSM7_BASIC:
            gsm_costs.append(1)
        elif ch in GSM7_EXTENDED:
            gsm_costs.append(2)
        elif ch not in culprits:
            culprits.append(ch)
    if not culprits:
        return SmsAnalysis("GSM-7", sum(gsm_costs),
                           _segments(gsm_costs, GSM7_SINGLE, GSM7_MULTI))
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
