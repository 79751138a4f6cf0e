"""The requests' panel on the tenant page: the tenant's requests and a link to open one."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.keys import CLOCK
from crm.requests import steps
from crm.requests.models import TenantRequest


async def tenant_panel(request: web.Request, tenant: dict[str, Any],
                       session: AsyncSession) -> dict[str, Any] | None:
    items = list((await session.scalars(
        select(TenantRequest).where(TenantRequest.tenant_id == tenant["id"])
        .order_by(TenantRequest.registered_at.desc(), TenantRequest.id.desc()))).all())
    return {"template": "requests/tenant_panel.html", "items": items,
            "now": request.app[CLOCK].now(), "labels": steps.LABELS, "kinds": steps.KINDS,
            "category_label": steps.category_label}
