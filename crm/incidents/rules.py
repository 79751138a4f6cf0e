"""The landlord's rules for incidents (RULES.md "Outages and service commitments"): the
commitments and their thresholds (defaults, overridden per landlord on the admin page),
when a commitment becomes due, which households it concerns, the notice of a planned stop
and the lift's 6-hour target. Working days come from ``crm.calendar``, as for the calls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.incidents.models import CommitmentKind, CommitmentSetting, IncidentKind

NOTICE_DAYS = 8  # a planned stop is announced at least this many days ahead
LIFT_TARGET_HOURS = 6  # the lift company's contract: back within 6 hours

KIND_LABELS = {
    IncidentKind.LIFT: "Ascenseur", IncidentKind.HEATING: "Chauffage collectif",
    IncidentKind.HOT_WATER: "Eau chaude", IncidentKind.WATER: "Eau", IncidentKind.POWER: "Électricité",
    IncidentKind.CLEANING: "Ménage des parties communes", IncidentKind.ACCESS: "Porte, interphone",
    IncidentKind.OTHER: "Autre",
}
COMMITMENT_LABELS = {
    CommitmentKind.SHOPPING_DELIVERY: "Portage de courses",
    CommitmentKind.HEATERS: "Prêt de convecteurs",
    CommitmentKind.RENT_REBATE: "Remise sur le loyer",
}


@dataclass(frozen=True)
class Rule:
    incident_kind: str
    commitment_kind: str
    working_days: int  # due beyond this many working days
    rebate_percent: float | None = None
    enabled: bool = True


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(IncidentKind.LIFT, CommitmentKind.SHOPPING_DELIVERY, 3),
    Rule(IncidentKind.LIFT, CommitmentKind.RENT_REBATE, 8, 5.0),
    Rule(IncidentKind.HEATING, CommitmentKind.HEATERS, 3),
    Rule(IncidentKind.HEATING, CommitmentKind.RENT_REBATE, 8, 5.0),
    Rule(IncidentKind.CLEANING, CommitmentKind.RENT_REBATE, 3, 5.0),
)


async def load_rules(session: AsyncSession) -> dict[tuple[str, str], Rule]:
    """Every (incident kind, commitment kind) the landlord may commit to: the defaults,
    replaced by what the admin page saved."""
    rules = {(r.incident_kind, r.commitment_kind): r for r in DEFAULT_RULES}
    for s in await session.scalars(select(CommitmentSetting)):
        rules[(s.incident_kind, s.commitment_kind)] = Rule(
            s.incident_kind, s.commitment_kind, s.working_days, s.rebate_percent, s.enabled)
    return rules


def active_rules(rules: dict[tuple[str, str], Rule], incident_kind: str) -> list[Rule]:
    return [r for (kind, _), r in sorted(rules.items()) if kind == incident_kind and r.enabled]


def due_on(start_day: date, working_days: int, department: str | None = None) -> date:
    """"Beyond N working days" starts at 00:00 of the (N+1)-th working day after the start
    day. Lift down Monday 2 March 2026: N=3 gives Friday 6 March, N=8 Friday 13 March."""
    return calendar.add_working_days(start_day, working_days + 1, department)


def cancelled_by(resolved_at: datetime, due: date, tz: object) -> bool:
    """Resolved before 00:00 local of the due day: the commitment is no longer owed."""
    return resolved_at < calendar.at_local(due, datetime.min.time(), tz)


_GROUND = re.compile(r"^\s*(rdc|rez[- ]de[- ]chauss[ée]e|0+|ss|sous[- ]sol|-\d+)\b", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d+)")


def upper_floor(floor: str | None) -> bool:
    """Floor 1 and above, or unknown: who a stopped lift leaves stranded (RULES.md)."""
    if floor is None or not floor.strip():
        return True
    if _GROUND.match(floor):
        return False
    number = _NUMBER.match(floor)
    return True if number is None else int(number.group(1)) >= 1


def concerns(commitment_kind: str, incident_kind: str, household_upper_floor: bool) -> bool:
    """Lift commitments concern the upper floors; the others every household."""
    if incident_kind == IncidentKind.LIFT:
        return household_upper_floor
    return True


def notice_ok(starts_at: datetime, now: datetime) -> bool:
    return starts_at - now >= timedelta(days=NOTICE_DAYS)


def downtime_hours(starts_at: datetime, end: datetime) -> float:
    return round(max((end - starts_at).total_seconds(), 0) / 3600, 1)


def within_target(kind: str, planned: bool, starts_at: datetime, resolved_at: datetime | None) -> bool | None:
    """Lift breakdowns only, once resolved: back within 6 hours?"""
    if kind != IncidentKind.LIFT or planned or resolved_at is None:
        return None
    return resolved_at - starts_at <= timedelta(hours=LIFT_TARGET_HOURS)


def hours_fr(hours: float) -> str:
    """4.5 -> "4,5" (French decimal comma)."""
    return f"{hours:g}".replace(".", ",")
