"""Delivery statuses reported by the provider, applied forward-only.

One conditional UPDATE per report: the row moves only from a lower-ranked status, so a late
"sent" never undoes "delivered", replays change nothing, and two reports racing for the
same message cannot move it backwards — on SQLite as on PostgreSQL, with no read-then-write.

A report can come before the outbox has recorded the provider id it names (the ids are
written in batches just after the provider answers): it is kept by id for a while and
applied when the id is recorded (``apply_early_reports``), never dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import EarlyDeliveryReport, OutboxMessage, OutboxStatus
from crm.clock import Clock
from crm.db import Database, dialect_insert
from crm.sms.twilio_errors import reason_for

# A report for an id nobody records within this time is not ours (or its message is lost).
EARLY_REPORT_KEPT = timedelta(hours=1)

# The provider's statuses (Twilio's words) → ours. Twilio's own "queued/sending/sent" all
# mean the provider has it.
PROVIDER_STATUS = {
    "accepted": OutboxStatus.SENT,
    "scheduled": OutboxStatus.SENT,
    "queued": OutboxStatus.SENT,
    "sending": OutboxStatus.SENT,
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.DELIVERED,
    "undelivered": OutboxStatus.UNDELIVERED,
    "failed": OutboxStatus.FAILED,
    "canceled": OutboxStatus.FAILED,
}


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
    report goes through ``record_report`` in its own transaction, as a Twilio callback."""
    async def report(sid: str, status: str) -> bool:
        async with db.session() as session:
            moved = await record_report(session, sid, PROVIDER_STATUS.get(status, status), now=clock.now())
            await session.commit()
        return moved

    return report


async def record_report(session: AsyncSession, sid: str, status: str, *, now: datetime,
                        error_code: int | None = None) -> bool:
    """Apply a delivery report, or keep it when no message has this provider id yet.
    True when a message moved. Commits.

    The sid may be recorded while the report is being kept: after keeping it (committed),
    one more look applies it if the sid is there now; the outbox does the same after it
    records sids, so whichever commits last sees the other's row."""
    if await apply_delivery_status(session, sid, status, now=now, error_code=error_code):
        return True
    if await session.scalar(select(exists().where(OutboxMessage.provider_sid == sid))):
        # Recorded since the UPDATE above looked (or a replay, or a report that would move
        # the message backwards: then this moves nothing either).
        return await apply_delivery_status(session, sid, status, now=now, error_code=error_code)
    insert = dialect_insert(session)(EarlyDeliveryReport)
    await session.execute(insert.values(sid=sid, status=status, error_code=error_code, received_at=now)
                          .on_conflict_do_nothing(index_elements=["sid"]))
    # Two early reports for one id: the furthest one is kept.
    await session.execute(
        update(EarlyDeliveryReport)
        .where(EarlyDeliveryReport.sid == sid, EarlyDeliveryReport.status.in_(_lower_than(status)))
        .values(status=status, error_code=error_code, received_at=now)
        .execution_options(synchronize_session=False))
    await session.commit()
    moved = await apply_early_reports(session, [sid])
    await session.commit()
    return moved > 0


async def apply_early_reports(session: AsyncSession, sids: Iterable[str] | None = None) -> int:
    """Apply the kept reports whose provider id is now recorded (``sids``: just those; None:
    every one, a sweep), then forget them. Returns the messages moved. The caller commits."""
    query = (select(EarlyDeliveryReport)
             .join(OutboxMessage, OutboxMessage.provider_sid == EarlyDeliveryReport.sid))
    if sids is not None:
        wanted = [s for s in sids if s]
        if not wanted:
            return 0
        query = query.where(EarlyDeliveryReport.sid.in_(wanted))
    reports = (await session.scalars(query)).all()
    moved = 0
    for report in reports:
        moved += await apply_delivery_status(session, report.sid, report.status, now=report.received_at,
                                             error_code=report.error_code)
    if reports:
        await session.execute(delete(EarlyDeliveryReport).where(
            EarlyDeliveryReport.sid.in_([r.sid for r in reports])))
    return moved


_ANY_EARLY_REPORT: Any = select(literal_column("1")).select_from(EarlyDeliveryReport).limit(1)


async def apply_early_reports_if_any(session: AsyncSession, sids: list[str]) -> int:
    """``apply_early_reports`` for a batch of ids just recorded, after one look at whether
    any report is kept at all: almost never, and the look spares the outbox's every write
    a join on hundreds of ids. The caller commits."""
    if await session.scalar(_ANY_EARLY_REPORT) is None:
        return 0
    return await apply_early_reports(session, sids)


async def forget_old_early_reports(session: AsyncSession, now: datetime) -> int:
    result = await session.execute(delete(EarlyDeliveryReport).where(
        EarlyDeliveryReport.received_at < now - EARLY_REPORT_KEPT))
    return max(result.rowcount or 0, 0)
