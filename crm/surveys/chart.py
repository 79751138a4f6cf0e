"""Geometry of the grouped bar chart (interviews vs survey per theme), drawn as inline SVG
by ``templates/surveys/_chart.html``: no JavaScript, prints as crisply as it shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.surveys.comparison import Row, Side
from crm.themes import THEMES

LABEL_W = 280  # theme labels, right-aligned
PLOT_W = 520  # 0 to 100 %
VALUE_W = 110  # "82 % (n=45)"
BAR_H = 14
GROUP_GAP = 16
TOP = 24  # room for the axis labels
WIDTH = LABEL_W + PLOT_W + VALUE_W

SIDES = (("calls", "Appels de courtoisie"), ("survey", "Enquête"), ("sms", "SMS après une demande"))


@dataclass(frozen=True)
class Bar:
    kind: str  # calls | survey | sms
    label: str
    y: float
    width: float | None  # None: no answer on this side
    ci: tuple[float, float] | None  # x of the whisker ends
    text: str


def _x(fraction: float) -> float:
    return round(LABEL_W + fraction * PLOT_W, 1)


def _pct(value: float) -> str:
    return f"{value * 100:.0f} %"


def _bar(kind: str, label: str, side: Side, y: float) -> Bar:
    if side.rate is None:
        return Bar(kind, label, y, None, None, "pas de réponse")
    ci = (_x(side.ci[0]), _x(side.ci[1])) if side.ci else None
    return Bar(kind, label, y, round(side.rate * PLOT_W, 1), ci, f"{_pct(side.rate)} (n={side.n})")


def chart(rows: list[Row]) -> dict[str, Any]:
    """The chart of the given rows (one per theme, usually the yearly ones)."""
    groups = []
    y = float(TOP)
    for row in rows:
        r = row.result
        bars = [_bar(kind, label, getattr(r, kind), y + i * BAR_H) for i, (kind, label) in enumerate(SIDES)]
        groups.append({
            "theme": row.theme,
            "label": THEMES[row.theme],
            "y_mid": y + len(SIDES) * BAR_H / 2,
            "significant": r.significant,
            "bars": bars,
        })
        y += len(SIDES) * BAR_H + GROUP_GAP
    return {
        "width": WIDTH,
        "height": int(y),
        "label_w": LABEL_W,
        "plot_w": PLOT_W,
        "bar_h": BAR_H,
        "ticks": [{"x": _x(t / 100), "label": f"{t} %"} for t in (0, 25, 50, 75, 100)],
        "groups": groups,
        "sides": SIDES,
    }
