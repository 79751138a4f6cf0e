"""The tenant page's SMS panel: send one SMS (with the segment counter), recent SMS sent."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.labels import OUTBOX_STATUS_LABELS
from crm.campaigns.models import OutboxMessage


async def tenant_panel(request: web.Request, tenant: dict[str, Any],
                       session: AsyncSession) -> dict[str, Any] | None:
    from crm.web.flash import read_flash

    flash = read_flash(request)
    recent = (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.tenant_id == tenant["id"])
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(5))).all()
    return {
        "template": "campaigns/tenant_sms_panel.html",
        "tenant_id": tenant["id"], "mobile": tenant.get("mobile"),
        "opted_out": bool(tenant.get("sms_opted_out")), "recent": recent,
        "status_labels": OUTBOX_STATUS_LABELS,
        # The page's one-time message, when it is about this panel (crm/web/flash.py).
        "flash": flash if flash and flash.get("panel") == "sms" else None,
    }
