"""The incidents' panel on the tenant page: the incidents of the household still running,
with the one-click "a tenant called / came about this"."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from crm.incidents.models import Incident, IncidentHousehold, IncidentStatus
from crm.web.keys import DB


async def tenant_panel(request: web.Request, tenant: dict[str, Any]) -> dict[str, Any] | None:
    async with request.app[DB].session() as session:
        mine = select(IncidentHousehold.incident_id).where(IncidentHousehold.tenant_id == tenant["id"])
        incidents = list(await session.scalars(
            select(Incident).where(Incident.id.in_(mine),
                                   Incident.status.in_((IncidentStatus.PLANNED, IncidentStatus.OPEN)))
            .order_by(Incident.starts_at.desc())))
    if not incidents:
        return None
    return {"template": "incidents/tenant_panel.html", "incidents": incidents}
