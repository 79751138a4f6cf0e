"""Delivery statuses reported by the provider, applied forward-only.

One conditional UPDATE per report: the row moves only from a lower-ranked status, so a late
"sent" never undoes "delivered", replays change nothing, and two reports racing for the
same message cannot move it backwards — on SQLite as on PostgreSQL, with no read-then-write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import OutboxMessage, OutboxStatus
from crm.clock import Clock
from crm.db import Database
from crm.sms.twilio_errors import reason_for


def _lower_than(status: str) -> list[str]:
    rank = OutboxStatus.RANK[status]
    return [s for s, r in OutboxStatus.RANK.items() if r < rank and s != OutboxStatus.CANCELLED]


async def apply_delivery_status(
    session: AsyncSession, sid: str, status: str, *, now: datetime, error_code: int | None = None
) -> bool:
    """Move the message with provider id ``sid`` forward to ``status``. True when it moved.
    The caller commits."""
    values: dict[str, object] = {
        "status": status,
        "updated_at": now,
        "sent_at": func.coalesce(OutboxMessage.sent_at, now),
    }
    if status == OutboxStatus.DELIVERED:
        values.update(delivered_at=now, error_code=None, error_reason=None)
    elif status in (OutboxStatus.UNDELIVERED, OutboxStatus.FAILED):
        reason = reason_for(error_code) or (
            f"Message non remis (erreur {error_code})." if error_code else "Message non remis.")
        values.update(error_code=error_code, error_reason=reason[:255])
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.provider_sid == sid, OutboxMessage.status.in_(_lower_than(status)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) > 0


def status_listener(db: Database, clock: Clock) -> Callable[[str, str], Awaitable[bool]]:
    """A listener for a transport that reports statuses itself (the local backend): each
    report goes through ``apply_delivery_status`` in its own transaction, as a callback."""
    async def report(sid: str, status: str) -> bool:
        async with db.session() as session:
            moved = await apply_delivery_status(session, sid, status, now=clock.now())
            await session.commit()
        return moved

    return report
