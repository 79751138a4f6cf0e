"""The requests' panel on the tenant page: the tenant's requests and a link to open one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from crm.keys import CLOCK, DB
from crm.requests import steps
from crm.requests.models import TenantRequest


async def tenant_panel(request: web.Request, tenant: dict[str, Any]) -> dict[str, Any] | None:
    async with request.app[DB].session() as session:
        items = list((await session.scalars(
            select(TenantRequest).where(TenantRequest.tenant_id == tenant["id"])
            .order_by(TenantRequest.registered_at.desc(), TenantRequest.id.desc()))).all())
    now: datetime = request.app[CLOCK].now()
    return {"template": "requests/tenant_panel.html", "items": items, "now": now,
            "labels": steps.LABELS, "kinds": steps.KINDS, "category_label": steps.category_label}
