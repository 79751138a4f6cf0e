"""The comparison as a CSV file that opens cleanly in a French Excel: ``;`` separators,
UTF-8 with a BOM (without it Excel reads cp1252 and garbles the accents), decimal commas."""

from __future__ import annotations

from crm.csvexport import excel_csv
from crm.surveys.comparison import Row
from crm.surveys.periods import quarter_label
from crm.themes import THEMES

HEADERS = [
    "Thème", "Période", "Agence",
    "Taux de satisfaction appels (%)", "Réponses appels",
    "Taux de satisfaction enquête (%)", "Réponses enquête",
    "Taux de satisfaction SMS (%)", "Réponses SMS",
    "Écart (points)", "Significatif",
]


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _percent(rate: float | None) -> str:
    return "" if rate is None else _decimal(rate * 100)


def comparison_csv(rows: list[Row]) -> bytes:
    return excel_csv(HEADERS, ([
        THEMES[row.theme],
        quarter_label(row.period),
        row.agency["name"] if row.agency else "Toutes les agences",
        _percent(row.result.calls.rate), row.result.calls.n,
        _percent(row.result.survey.rate), row.result.survey.n,
        _percent(row.result.sms.rate), row.result.sms.n,
        _decimal(row.result.difference_points),
        "oui" if row.result.significant else "non",
    ] for row in rows))
