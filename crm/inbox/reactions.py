"""What the inbox tells other features (wired in ``crm.hooks``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.inbox.models import InboundMessage, InboundStatus


async def campaign_replies(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Replies to a campaign, and how many of them were STOP."""
    replies = await session.scalar(
        select(func.count()).select_from(InboundMessage).where(InboundMessage.campaign_id == campaign_id))
    opt_outs = await session.scalar(
        select(func.count()).select_from(InboundMessage)
        .where(InboundMessage.campaign_id == campaign_id, InboundMessage.intent == "opt_out"))
    return {"replies": int(replies or 0), "opt_outs": int(opt_outs or 0)}


QUEUE_PROBES = [
    ("crm_inbox_open", "Incoming SMS waiting for an adviser",
     InboundMessage, InboundMessage.status, InboundStatus.OPEN),
]
