"""The SMS of an incident: a preset per situation (``templates/sms/incident_*.txt``, French,
GSM-7) and the incident-wide placeholders ``{{ referent_name }}``, ``{{ referent_phone }}``,
``{{ starts_at }}``, ``{{ expected_end_at }}`` and ``{{ service }}``."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from crm.campaigns.presets import PRESET_DIR
from crm.errors import Invalid
from crm.incidents.models import Incident, IncidentKind
from crm.incidents.rules import KIND_LABELS
from crm.phones import format_phone

PRESETS = ("incident_lift", "incident_outage", "incident_planned", "incident_reminder",
           "incident_resolved", "incident_shopping_delivery", "incident_heaters",
           "incident_rent_rebate")
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@lru_cache(maxsize=16)
def preset_body(code: str) -> str:
    if code not in PRESETS:
        raise Invalid(f"Modèle inconnu : {code}.", code="unknown_preset",
                      details={"presets": list(PRESETS)})
    return (PRESET_DIR / f"{code}.txt").read_text(encoding="utf-8").strip()


def notice_preset(incident: Incident) -> str:
    if incident.planned:
        return "incident_planned"
    return "incident_lift" if incident.kind == IncidentKind.LIFT else "incident_outage"


def sms_moment(value: datetime | None, tz: ZoneInfo) -> str:
    """"lundi 02/03 à 10h00": digits rather than month names, which keeps "août" (û) from
    turning the whole SMS into UCS-2."""
    if value is None:
        return "dès que possible"
    local = value.astimezone(tz)
    return f"{_DAYS[local.weekday()]} {local:%d/%m} à {local:%Hh%M}"


def variables(incident: Incident, agency_name: str, agency_phone: str | None, tz: ZoneInfo,
              extra: dict[str, str] | None = None) -> dict[str, str]:
    """Campaign-wide values: the referent, or the agency when none was named."""
    return {
        "referent_name": incident.referent_name or agency_name,
        "referent_phone": format_phone(incident.referent_phone or agency_phone),
        "starts_at": sms_moment(incident.starts_at, tz),
        "expected_end_at": sms_moment(incident.expected_end_at, tz),
        "service": KIND_LABELS.get(incident.kind, incident.kind),
        **(extra or {}),
    }
