"""What the inbox tells other features (wired in ``crm.hooks``)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import Intent


async def campaign_replies(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Replies to a campaign, how many of them were STOP, and how many said the problem goes
    on (counted here, when the campaign is read: the webhook writes nothing on the campaign's
    row, which every tenant answering an outage at once would queue on)."""
    counts = (await session.execute(
        select(func.count(),
               func.count().filter(InboundMessage.intent == Intent.OPT_OUT),
               func.count().filter(InboundMessage.intent == Intent.PROBLEM_PERSISTS))
        .where(InboundMessage.campaign_id == campaign_id))).one()
    return {"replies": int(counts[0] or 0), "opt_outs": int(counts[1] or 0),
            "problem_persists": int(counts[2] or 0)}


QUEUE_PROBES = [
    ("crm_inbox_open", "Incoming SMS waiting for an adviser",
     InboundMessage, InboundMessage.status, InboundStatus.OPEN),
]
