"""Timeline entries for a tenant: the SMS sent to them (campaigns and direct messages)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.labels import OUTBOX_STATUS_LABELS
from crm.campaigns.models import Campaign, OutboxMessage
from crm.timeline import TimelineEntry


async def entries(session: AsyncSession, tenant_id: int) -> list[TimelineEntry]:
    rows = await session.execute(
        select(OutboxMessage, Campaign.name, Campaign.kind)
        .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
        .where(OutboxMessage.tenant_id == tenant_id)
    )
    out = []
    for msg, name, kind in rows:
        status = OUTBOX_STATUS_LABELS.get(msg.status, msg.status)
        if kind == "campaign":
            title, link = f"SMS de la campagne « {name} » ({status})", f"/campagnes/{msg.campaign_id}"
        else:
            title, link = f"SMS envoyé ({status})", None
        if msg.error_reason and msg.status in ("failed", "undelivered", "cancelled", "unknown"):
            title += f" — {msg.error_reason}"
        out.append(TimelineEntry(at=msg.sent_at or msg.created_at, kind="sms_sent", title=title,
                                 detail=msg.body, link=link))
    return out
