"""The comparison as a CSV file that opens cleanly in a French Excel: ``;`` separators,
UTF-8 with a BOM (without it Excel reads cp1252 and garbles the accents), decimal commas."""

from __future__ import annotations

import csv
import io

from crm.surveys.comparison import Row
from crm.surveys.periods import quarter_label
from crm.themes import THEMES

HEADERS = [
    "Thème", "Période", "Agence",
    "Taux de satisfaction appels (%)", "Réponses appels",
    "Taux de satisfaction enquête (%)", "Réponses enquête",
    "Écart (points)", "Significatif",
]


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _percent(rate: float | None) -> str:
    return "" if rate is None else _decimal(rate * 100)


def comparison_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        r = row.result
        writer.writerow([
            THEMES[row.theme],
            quarter_label(row.period),
            row.agency["name"] if row.agency else "Toutes les agences",
            _percent(r.calls.rate), r.calls.n,
            _percent(r.survey.rate), r.survey.n,
            _decimal(r.difference_points),
            "oui" if r.significant else "non",
        ])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
