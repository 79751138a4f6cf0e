"""Timeline entries for a tenant: the SMS they sent us, with what the service understood."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import INTENT_LABELS, SENTIMENT_LABELS
from crm.timeline import TimelineEntry


async def entries(session: AsyncSession, tenant_id: int) -> list[TimelineEntry]:
    rows = await session.scalars(select(InboundMessage).where(InboundMessage.tenant_id == tenant_id))
    out = []
    for m in rows:
        state = "à traiter" if m.status == InboundStatus.OPEN else "traité"
        title = (f"SMS reçu : {INTENT_LABELS.get(m.intent, m.intent).lower()}, "
                 f"ton {SENTIMENT_LABELS.get(m.sentiment, m.sentiment)} ({state})")
        out.append(TimelineEntry(at=m.received_at, kind="sms_received", title=title,
                                 detail=m.body, link=f"/messages/{m.id}"))
    return out
