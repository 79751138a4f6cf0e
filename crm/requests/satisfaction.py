"""A tenant's answer to "Êtes-vous satisfait … ? Répondez de 1 à 4" as a score 1–4, or None
when the answer is not clear (then it stays in the inbox for an adviser).

Rules first, like the rest of the reply understanding: a lone digit 1–4 (also "3/4",
"3 sur 4", "note 3"), else French words of the survey scale, negation first ("pas du tout
satisfait" before "satisfait"). Anything contradictory or off the scale is None.
"""

from __future__ import annotations

import re

from crm.text import strip_accents

# Checked in order: the first phrase found gives the score.
_PHRASES: tuple[tuple[int, str], ...] = (
    (1, r"pas du tout|absolument pas|vraiment pas|pas satisfait du tout|nul(?:le)?\b|catastroph|"
        r"honteu|scandal|lamentable|inadmissible|aucunement|tres mecontent|tres decu|"
        r"tres insatisfait|horrible|deplorable|zero\b"),
    (2, r"plutot pas|pas vraiment|pas trop|pas tres|moyen(?:nement)?\b|bof+\b|mouais|"
        r"peu satisfait|insatisfait|mecontent|decu|pas satisfait|pas content|bof bof|passable|"
        r"mitige|pourrait mieux faire|pas terrible"),
    (3, r"pas tout a fait|pas entierement|pas totalement|pas completement"),
    (4, r"tres satisfait|tout a fait|entierement|totalement|pleinement|parfait|excellent|"
        r"super\b|genial|impeccable|top\b|tres bien|tres content|ravi|extra\b|nickel|"
        r"au top|formidable|merveilleu|tres contente|tres satisfaite"),
    (3, r"plutot satisfait|plutot satisfaite|plutot content|assez satisfait|assez satisfaite|"
        r"satisfait|satisfaite|content|contente|bien\b|correct|ca va|pas mal|convenable|"
        r"bon travail|bonne intervention|ok\b|d'accord"),
)
_COMPILED = tuple((score, re.compile(rf"(?:^|\b)(?:{pattern})")) for score, pattern in _PHRASES)
_OUT_OF_FOUR = re.compile(r"\b([0-9]+)\s*(?:/|sur)\s*4\b")
_NUMBER = re.compile(r"(?<![0-9,.])([0-9]+)(?![0-9,.])")
_WORD_DIGITS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4}
_WORD_NUMBER = re.compile(r"^(?:note\s+)?(un|une|deux|trois|quatre)\b")


def _fold(text: str) -> str:
    t = strip_accents(text.lower()).replace("’", "'")
    return re.sub(r"\s+", " ", t).strip()


def parse_score(text: str) -> int | None:
    """The score a reply gives (1..4), or None when it gives none or several."""
    t = _fold(text)
    if not t:
        return None
    out_of_four = _OUT_OF_FOUR.findall(t)
    if out_of_four:
        values = {int(v) for v in out_of_four}
        return values.pop() if len(values) == 1 and 1 <= next(iter(values)) <= 4 else None
    numbers = {int(n) for n in _NUMBER.findall(t)}
    if numbers:
        # "4", "3 merci", "note 2": one number on the scale. "5", "10", "1 ou 2": unclear.
        if len(numbers) == 1 and 1 <= next(iter(numbers)) <= 4:
            return numbers.pop()
        return None
    word = _WORD_NUMBER.match(t)
    if word:
        return _WORD_DIGITS[word.group(1)]
    for score, pattern in _COMPILED:
        if pattern.search(t):
            return score
    return None
