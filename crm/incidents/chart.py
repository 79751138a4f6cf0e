"""Geometry of the KPI page's chart (median downtime per kind, with the lifts' 6-hour
share), drawn as inline SVG by ``templates/incidents/kpi.html``: no JavaScript."""

from __future__ import annotations

from typing import Any

from crm.incidents.rules import KIND_LABELS, LIFT_TARGET_HOURS, hours_fr

LABEL_W = 210
PLOT_W = 420
VALUE_W = 120
BAR_H = 18
GAP = 10
TOP = 26


def downtime_chart(kpi: dict[str, Any]) -> dict[str, Any]:
    """One bar per kind with a resolved incident; the scale is the longest median (at least
    the 6-hour target, drawn as a dashed line)."""
    rows = [r for r in kpi["by_kind"] if r["median_downtime_hours"] is not None]
    longest = max([LIFT_TARGET_HOURS] + [r["median_downtime_hours"] for r in rows])

    def x(hours: float) -> float:
        return round(LABEL_W + hours / longest * PLOT_W, 1)

    bars = []
    y = float(TOP)
    for r in rows:
        bars.append({"label": KIND_LABELS.get(r["kind"], r["kind"]), "y": y,
                     "width": round(r["median_downtime_hours"] / longest * PLOT_W, 1),
                     "text": f"{hours_fr(r['median_downtime_hours'])} h ({r['count']})"})
        y += BAR_H + GAP
    lifts = kpi["lift_breakdowns"]
    return {
        "width": LABEL_W + PLOT_W + VALUE_W, "height": int(y) + 6, "label_w": LABEL_W, "bar_h": BAR_H,
        "bars": bars, "target_x": x(LIFT_TARGET_HOURS), "target_label": f"{LIFT_TARGET_HOURS} h",
        "ticks": [{"x": x(longest * t / 4), "label": f"{hours_fr(round(longest * t / 4, 1))} h"} for t in range(5)],
        # The lifts' share back within 6 hours, as a stacked bar of 100 %.
        "lift_share": None if lifts["within_6h_rate"] is None else {
            "within": round(lifts["within_6h_rate"] * PLOT_W, 1), "plot_w": PLOT_W,
            "text": f"{round(lifts['within_6h_rate'] * 100)} % en moins de 6 h ({lifts['within_6h']} / {lifts['resolved']})"},
    }
