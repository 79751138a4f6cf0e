"""Warn before saving a note that holds health details or insults (RGPD, CNIL: notes are
objective, the tenant may read them). Returns the words found; the adviser decides.

Matching is on accent-folded, lower-case words, with a few French inflections per entry, so
"hospitalisée" and "Dépression" are caught but "cancel" or "handicapant" in another sense
are the adviser's call, not a block.
"""

from __future__ import annotations

import re

from crm.text import strip_accents

# Health: illnesses, treatments, disability, pregnancy, addictions (special-category data).
HEALTH = (
    "maladie", "malade", "cancer", "chimio", "chimiotherapie", "depression", "depressif",
    "depressive", "hospitalise", "hospitalisee", "hospitalisation", "hopital", "handicap",
    "handicape", "handicapee", "invalidite", "alzheimer", "parkinson", "diabete", "diabetique",
    "sida", "vih", "seropositif", "seropositive", "tumeur", "avc", "infarctus", "psychiatrique",
    "psychiatre", "schizophrene", "schizophrenie", "bipolaire", "suicide", "suicidaire",
    "alcoolique", "alcoolisme", "toxicomane", "enceinte", "grossesse", "dialyse",
    "traitement medical", "arret maladie", "medicaments", "sclerose", "autiste", "autisme",
    "epilepsie", "covid", "operation chirurgicale",
)
# Insults and contemptuous words that have no place in a professional note.
INSULTS = (
    "con", "conne", "connard", "connasse", "abruti", "abrutie", "idiot", "idiote", "imbecile",
    "cretin", "cretine", "debile", "salaud", "salope", "ordure", "enfoire", "enfoiree",
    "pute", "putain", "merde", "batard", "minable", "cassos", "clochard", "racaille",
    "crevard", "gros porc", "grosse vache", "feignant", "faineant", "pouilleux", "sale type",
    "folle", "fou furieux", "hysterique",
)



def _fold(text: str) -> str:
    return strip_accents(text.lower().replace("’", "'"))


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first so "arret maladie" wins over "maladie"; optional plural -s/-x.
    alternatives = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in alternatives)
    return re.compile(rf"(?<![\w])(?:{body})(?:s|x)?(?![\w])")


_HEALTH_RE = _pattern(HEALTH)
_INSULT_RE = _pattern(INSULTS)


def sensitive_words(*texts: str | None) -> list[str]:
    """The health or insulting words found in ``texts``, as written, in order, once each."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        folded = _fold(text)
        # Folding keeps one character per original character only for most text; map back
        # by position when lengths agree, else report the folded word.
        same = len(folded) == len(text)
        hits = sorted([*_HEALTH_RE.finditer(folded), *_INSULT_RE.finditer(folded)],
                      key=lambda m: m.start())
        for m in hits:
            word = text[m.start():m.end()] if same else m.group(0)
            if word.lower() not in (w.lower() for w in found):
                found.append(word)
    return found


def categories(*texts: str | None) -> dict[str, list[str]]:
    """Words found, split into ``health`` and ``insult`` (for the page's warning)."""
    result: dict[str, list[str]] = {"health": [], "insult": []}
    for text in texts:
        if not text:
            continue
        folded = _fold(text)
        result["health"] += [m.group(0) for m in _HEALTH_RE.finditer(folded)]
        result["insult"] += [m.group(0) for m in _INSULT_RE.finditer(folded)]
    return result
