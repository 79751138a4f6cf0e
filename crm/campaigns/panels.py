"""The tenant page's SMS panel: send one SMS (with the segment counter), recent SMS sent."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import OutboxMessage

STATUS_LABELS = {
    "pending": "en attente", "sending": "en cours", "sent": "remis à l'opérateur",
    "delivered": "reçu", "undelivered": "non distribué", "failed": "échec",
    "unknown": "incertain", "cancelled": "annulé",
}


async def tenant_panel(request: web.Request, tenant: dict[str, Any],
                       session: AsyncSession) -> dict[str, Any] | None:
    recent = (await session.scalars(
        select(OutboxMessage).where(OutboxMessage.tenant_id == tenant["id"])
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(5))).all()
    return {
        "template": "campaigns/tenant_sms_panel.html",
        "tenant_id": tenant["id"], "mobile": tenant.get("mobile"),
        "opted_out": bool(tenant.get("sms_opted_out")), "recent": recent,
        "status_labels": STATUS_LABELS,
        "sent_flash": request.query.get("sms") == "ok",
        "error_flash": request.query.get("sms_erreur"),
    }
