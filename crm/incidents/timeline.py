"""The incidents' part of a tenant's timeline: the incidents their home was in, and the
contacts they made about them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.incidents.models import Incident, IncidentHousehold, IncidentReport
from crm.incidents.read import REPORT_CHANNELS
from crm.timeline import TimelineEntry


async def entries(session: AsyncSession, tenant_id: int) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    # IN (subquery), not DISTINCT: PostgreSQL cannot compare the JSON scope column.
    mine = select(IncidentHousehold.incident_id).where(IncidentHousehold.tenant_id == tenant_id)
    incidents = await session.scalars(select(Incident).where(Incident.id.in_(mine)))
    for i in incidents:
        link = f"/incidents/{i.id}"
        out.append(TimelineEntry(i.starts_at, "incident", f"Incident : {i.title}", link=link))
        if i.resolved_at is not None:
            out.append(TimelineEntry(i.resolved_at, "incident_resolved", f"Service rétabli : {i.title}", link=link))
    reports = await session.execute(
        select(IncidentReport, Incident.title).join(Incident, Incident.id == IncidentReport.incident_id)
        .where(IncidentReport.tenant_id == tenant_id))
    for report, title in reports.all():
        out.append(TimelineEntry(report.at, "incident_report",
                                 f"{REPORT_CHANNELS.get(report.channel, report.channel)} au sujet de : {title}",
                                 detail=report.note, link=f"/incidents/{report.incident_id}"))
    return out
