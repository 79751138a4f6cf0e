"""The incidents' panel on the tenant page: the incidents of the household still running,
with the one-click "a tenant called / came about this"."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.incidents.models import Incident, IncidentHousehold, IncidentStatus


async def tenant_panel(request: web.Request, tenant: dict[str, Any],
                       session: AsyncSession) -> dict[str, Any] | None:
    # IN (subquery), not DISTINCT: PostgreSQL cannot compare the JSON scope column.
    mine = select(IncidentHousehold.incident_id).where(IncidentHousehold.tenant_id == tenant["id"])
    incidents = list(await session.scalars(
        select(Incident).where(Incident.id.in_(mine),
                               Incident.status.in_((IncidentStatus.PLANNED, IncidentStatus.OPEN)))
        .order_by(Incident.starts_at.desc())))
    if not incidents:
        return None
    return {"template": "incidents/tenant_panel.html", "incidents": incidents}
