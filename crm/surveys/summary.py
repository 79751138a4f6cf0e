""""À retenir": the yearly rows put into a few French sentences, so a manager sees at a
glance where first impressions and the surveys agree or differ."""

from __future__ import annotations

from crm.surveys.comparison import Row
from crm.surveys.stats import MIN_N
from crm.themes import THEMES


def _pct(rate: float) -> str:
    return f"{rate * 100:.0f} %"


def _points(value: float) -> str:
    return f"{value:+.1f}".replace(".", ",")


def _names(rows: list[Row]) -> str:
    return ", ".join(THEMES[r.theme] for r in rows)


def highlights(rows: list[Row]) -> list[str]:
    sentences: list[str] = []
    agree, small, missing = [], [], []
    for row in rows:
        r = row.result
        if r.calls.rate is None or r.survey.rate is None:
            missing.append(row)
        elif r.significant:
            assert r.difference_points is not None
            mood = "plus" if r.difference_points > 0 else "moins"
            sentences.append(
                f"{THEMES[row.theme]} : les nouveaux locataires sont {mood} satisfaits lors de "
                f"l'appel ({_pct(r.calls.rate)}) que dans l'enquête ({_pct(r.survey.rate)}), "
                f"soit {_points(r.difference_points)} points : écart significatif."
            )
        elif r.calls.n < MIN_N or r.survey.n < MIN_N:
            small.append(row)
        else:
            agree.append(row)
    if agree:
        sentences.append(f"Appels et enquête concordent (pas d'écart significatif) : {_names(agree)}.")
    if small:
        sentences.append(f"Trop peu de réponses pour conclure (moins de {MIN_N} d'un côté) : {_names(small)}.")
    if missing:
        sentences.append(f"Comparaison impossible, un côté n'a aucune réponse : {_names(missing)}.")
    return sentences
