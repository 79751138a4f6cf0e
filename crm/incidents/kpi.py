"""The incidents' indicators (``GET /api/v1/kpi/incidents``): downtime by kind, the lifts'
6-hour target, commitments owed, households informed, and contacts per 100 households for
incidents with and without an SMS — the landlord's proof that the SMS works."""

from __future__ import annotations

from datetime import date
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.campaigns.models import OutboxMessage, OutboxStatus
from crm.incidents.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Incident,
    IncidentCampaign,
    IncidentHousehold,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
)
from crm.incidents.rules import downtime_hours, within_target

# Handed to the provider: the household was (very likely) informed.
INFORMED = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.SENDING, OutboxStatus.UNKNOWN)


def _rate(part: int, whole: int, scale: int = 1) -> float | None:
    return None if whole == 0 else round(part * scale / whole, 4 if scale == 1 else 1)


async def incident_kpi(session: AsyncSession, *, start: date, end: date, agency_id: int | None,
                       tz: ZoneInfo) -> dict[str, Any]:
    """Incidents that started in [start, end] (local days) of one agency (None: all)."""
    lo, _ = calendar.day_bounds_utc(start, tz)
    _, hi = calendar.day_bounds_utc(end, tz)
    where = [Incident.starts_at >= lo, Incident.starts_at < hi]
    if agency_id is not None:
        where.append(Incident.agency_id == agency_id)
    incidents = (await session.execute(
        select(Incident.id, Incident.kind, Incident.planned, Incident.status, Incident.starts_at,
               Incident.resolved_at).where(*where))).all()
    ids = [i.id for i in incidents]
    households = _per_incident(await session.execute(
        select(IncidentHousehold.incident_id, func.count()).where(IncidentHousehold.incident_id.in_(ids))
        .group_by(IncidentHousehold.incident_id))) if ids else {}
    reports = _per_incident(await session.execute(
        select(IncidentReport.incident_id, func.count()).where(IncidentReport.incident_id.in_(ids))
        .group_by(IncidentReport.incident_id))) if ids else {}
    informed = _per_incident(await session.execute(
        select(IncidentCampaign.incident_id, func.count(distinct(OutboxMessage.tenant_id)))
        .join(OutboxMessage, OutboxMessage.campaign_id == IncidentCampaign.campaign_id)
        .where(IncidentCampaign.incident_id.in_(ids), OutboxMessage.status.in_(INFORMED))
        .group_by(IncidentCampaign.incident_id))) if ids else {}
    commitments = {k: 0 for k in CommitmentKind.ALL}
    if ids:
        for kind, n in await session.execute(
                select(Commitment.kind, func.count()).where(
                    Commitment.incident_id.in_(ids),
                    Commitment.status.in_((CommitmentStatus.DUE, CommitmentStatus.DONE)))
                .group_by(Commitment.kind)):
            commitments[kind] = int(n)

    by_kind = []
    for kind in IncidentKind.ALL:
        mine = [i for i in incidents if i.kind == kind]
        if not mine:
            continue
        hours = [downtime_hours(i.starts_at, i.resolved_at) for i in mine
                 if i.status == IncidentStatus.RESOLVED and i.resolved_at is not None]
        by_kind.append({"kind": kind, "count": len(mine),
                        "median_downtime_hours": round(median(hours), 1) if hours else None})
    lifts = [within_target(i.kind, i.planned, i.starts_at, i.resolved_at) for i in incidents
             if i.kind == IncidentKind.LIFT and not i.planned and i.status == IncidentStatus.RESOLVED]
    within = sum(1 for ok in lifts if ok)
    with_sms = [i.id for i in incidents if informed.get(i.id)]
    without_sms = [i.id for i in incidents if not informed.get(i.id)]

    def group(group_ids: list[int]) -> tuple[int, int]:
        return sum(reports.get(i, 0) for i in group_ids), sum(households.get(i, 0) for i in group_ids)

    (rep_with, hh_with), (rep_without, hh_without) = group(with_sms), group(without_sms)
    return {
        "from": start, "to": end, "agency": agency_id,
        "incidents": len(incidents),
        "by_kind": by_kind,
        "lift_breakdowns": {"resolved": len(lifts), "within_6h": within,
                            "within_6h_rate": _rate(within, len(lifts))},
        "commitments": commitments,
        "households_informed": sum(informed.values()),
        "reports": {
            "with_sms": rep_with, "without_sms": rep_without,
            "incidents_with_sms": len(with_sms), "incidents_without_sms": len(without_sms),
            "households_with_sms": hh_with, "households_without_sms": hh_without,
            "per_100_households_with_sms": _rate(rep_with, hh_with, 100),
            "per_100_households_without_sms": _rate(rep_without, hh_without, 100),
        },
    }


def _per_incident(rows: Any) -> dict[int, int]:
    return {i: int(n) for i, n in rows.all()}
