"""Message presets for the wizard: French, short, GSM-7 friendly (templates/sms/*.txt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from crm.campaigns.models import Category

PRESET_DIR = Path(__file__).resolve().parent.parent.parent / "templates" / "sms"


@dataclass(frozen=True)
class Preset:
    code: str  # file name without .txt
    label: str
    category: str
    lift: bool = False  # reduced-mobility tenants must be called
    variables: tuple[str, ...] = field(default_factory=tuple)  # campaign-wide values to fill

    @property
    def body(self) -> str:
        return _read(self.code)


PRESETS: tuple[Preset, ...] = (
    Preset("lift_outage", "Ascenseur en panne", Category.OUTAGE, lift=True),
    Preset("water_cut", "Coupure d'eau", Category.OUTAGE,
           variables=("date", "start_time", "end_time")),
    Preset("power_cut", "Coupure d'électricité", Category.OUTAGE),
    Preset("heating_outage", "Panne de chauffage", Category.OUTAGE),
    Preset("planned_works", "Travaux programmés (avec référent)", Category.WORKS,
           variables=("works", "date", "referent_name", "referent_phone")),
    Preset("request_followup", "Suivi d'une demande", Category.REQUEST_FOLLOWUP,
           variables=("request_ref", "step")),
    Preset("rent_reminder", "Rappel de loyer", Category.RENT_REMINDER, variables=("month",)),
)
BY_CODE = {p.code: p for p in PRESETS}

CATEGORY_LABELS = {
    Category.OUTAGE: "Panne / coupure",
    Category.WORKS: "Travaux",
    Category.REQUEST_FOLLOWUP: "Suivi de demande",
    Category.RENT_REMINDER: "Rappel de loyer",
    Category.INFORMATION: "Information",
}

VARIABLE_LABELS = {
    "date": "Date", "start_time": "Heure de début", "end_time": "Heure de fin",
    "works": "Nature des travaux", "referent_name": "Nom du référent",
    "referent_phone": "Téléphone du référent", "request_ref": "Référence de la demande",
    "step": "Étape", "month": "Mois",
}


@lru_cache(maxsize=32)
def _read(code: str) -> str:
    return (PRESET_DIR / f"{code}.txt").read_text(encoding="utf-8").strip()


def as_json() -> list[dict[str, object]]:
    return [
        {"code": p.code, "label": p.label, "category": p.category, "lift": p.lift,
         "variables": [{"name": v, "label": VARIABLE_LABELS.get(v, v)} for v in p.variables],
         "body": p.body}
        for p in PRESETS
    ]
