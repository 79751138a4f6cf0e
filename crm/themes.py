"""Satisfaction themes (the triennial survey's six chapters, plus move-in for calls) and the
4-point scale. One formula for both sides of every comparison."""

from __future__ import annotations

from collections.abc import Iterable

from crm.text import strip_accents

THEMES: dict[str, str] = {
    "living_conditions": "Conditions de vie et sentiment de sécurité",
    "cleanliness": "Propreté",
    "dwelling_equipment": "Logement et équipements collectifs",
    "technical_requests": "Demandes techniques",
    "non_technical_requests": "Demandes non techniques",
    "communication": "Communication avec l'organisme",
    "move_in": "Entrée dans le logement (état du logement, accueil)",
}
# Themes asked in the surveys too (move_in is for courtesy calls only).
SURVEY_THEMES = tuple(code for code in THEMES if code != "move_in")

SCALE: dict[int, str] = {
    4: "Tout à fait satisfait",
    3: "Plutôt satisfait",
    2: "Plutôt pas satisfait",
    1: "Pas du tout satisfait",
}
DONT_KNOW = "Ne sait pas"



def _fold(text: str) -> str:
    return strip_accents(text.strip().lower()).replace("’", "'")


_BY_LABEL = {_fold(label): code for code, label in THEMES.items()}
_BY_LABEL.update({_fold(code): code for code in THEMES})


def theme_code(value: str) -> str | None:
    """A theme code from a code or its French label (any case, accents optional)."""
    return _BY_LABEL.get(_fold(value))


def satisfaction(scores: Iterable[int | None]) -> tuple[float | None, int]:
    """(rate, n): share of 3 and 4 among answers other than "ne sait pas"."""
    known = [s for s in scores if s is not None]
    if not known:
        return None, 0
    return sum(1 for s in known if s >= 3) / len(known), len(known)
