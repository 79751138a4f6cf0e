"""Call tasks: one per lease entering its window (idempotent), callbacks asked by SMS,
expiry when the window closes, cancellation when the lease ends.

These functions flush but do not commit: the caller (import batch, job, view) commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, and_, any_, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.calls.models import CallTask, TaskKind, TaskStatus
from crm.calls.rules import CALLBACK_TASK_DAYS, PARIS, WINDOW_CLOSES_AFTER, window_for
from crm.db import dialect_insert
from crm.models import Lease, Phone, PhoneKind

_CHUNK = 5000
_PHONE_RANK = {PhoneKind.MOBILE: 0, PhoneKind.LANDLINE: 1, PhoneKind.OTHER: 2}


async def callable_phones(session: AsyncSession, tenant_ids: Iterable[int]) -> dict[int, list[Phone]]:
    """Valid phones per tenant, best first (mobile, landline, other)."""
    ids = sorted(set(tenant_ids))
    found: dict[int, list[Phone]] = {}
    for i in range(0, len(ids), _CHUNK):
        rows = await session.scalars(
            select(Phone).where(Phone.tenant_id.in_(ids[i:i + _CHUNK]), Phone.valid.is_(True))
        )
        for phone in rows:
            found.setdefault(phone.tenant_id, []).append(phone)
    for phones in found.values():
        phones.sort(key=lambda p: (_PHONE_RANK.get(p.kind, 3), p.id or 0))
    return found


def _active(today: date) -> Any:
    return or_(Lease.lease_end.is_(None), Lease.lease_end >= today)


async def ensure_call_tasks(
    session: AsyncSession, *, today: date, lease_ids: list[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Create the missing courtesy-call tasks; returns how many were created.

    Every active lease whose window (lease_start+7 .. lease_start+30) has not closed by
    ``today`` gets one task, flagged ``no_phone`` when no valid number is known (it stays
    in the denominators and in sight). The unique (lease, kind) key makes this idempotent,
    even when two processes run it at once. Open tasks of the leases given get their
    ``no_phone`` flag, window and agency refreshed (a re-import may have changed them).
    """
    conditions = [
        Lease.lease_start >= today - timedelta(days=WINDOW_CLOSES_AFTER),
        _active(today),
    ]
    chunks: list[Sequence[int] | None] = [None]
    if lease_ids is not None:
        ids = sorted(set(lease_ids))
        if not ids:
            return 0
        chunks = [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
    created = 0
    stamp = now or calendar.at_local(today, calendar.CALL_PERIODS[0][0], PARIS)
    insert = dialect_insert(session)
    # Whether the household has a usable number, asked in the same query as the leases.
    has_phone = exists().where(Phone.tenant_id == Lease.tenant_id, Phone.valid.is_(True))
    for chunk in chunks:
        where = list(conditions)
        if chunk is not None:
            where.append(_lease_among(session, chunk))
        rows = (await session.execute(
            select(Lease.id, Lease.tenant_id, Lease.agency_id, Lease.lease_start, has_phone.label("has_phone"))
            .where(*where)
        )).all()
        if not rows:
            continue
        values = []
        for r in rows:
            start, end = window_for(r.lease_start)
            values.append({
                "lease_id": r.id, "kind": TaskKind.COURTESY, "tenant_id": r.tenant_id,
                "agency_id": r.agency_id, "window_start": start, "window_end": end,
                "status": TaskStatus.OPEN, "no_phone": not r.has_phone,
                "attempts": 0, "requested_by_sms": False, "created_at": stamp,
            })
        new: set[int] = set()  # leases whose task this call created
        for i in range(0, len(values), 1000):
            # The table, not the entity: a plain multi-row INSERT, without the ORM's bulk path.
            new.update(await session.scalars(
                insert(CallTask.__table__).values(values[i:i + 1000])
                .on_conflict_do_nothing(index_elements=["lease_id", "kind"])
                .returning(CallTask.__table__.c.lease_id)
            ))
        created += len(new)
        if chunk is not None:
            # A task created just now already has the lease's values: only older ones may lag.
            await _refresh_open_tasks(session, {r.id: r for r in rows if r.id not in new})
    await session.flush()
    return created


def _lease_among(session: AsyncSession, ids: Sequence[int]) -> Any:
    """``Lease.id IN ids``; on PostgreSQL one array parameter (an import's batch of 1,500
    ids would otherwise render 1,500 placeholders at every execution)."""
    if session.get_bind().dialect.name == "postgresql":
        return Lease.id == any_(bindparam("lease_ids", list(ids), type_=ARRAY(Integer)))
    return Lease.id.in_(ids)


async def _refresh_open_tasks(session: AsyncSession, leases: dict[int, Any]) -> None:
    """A re-import may bring a number, correct the move-in date or move the lease."""
    if not leases:
        return
    tasks = await session.scalars(
        select(CallTask).where(CallTask.lease_id.in_(list(leases)), CallTask.status == TaskStatus.OPEN,
                               CallTask.kind == TaskKind.COURTESY)
    )
    for task in tasks:
        lease = leases[task.lease_id]
        task.no_phone = not lease.has_phone
        task.window_start, task.window_end = window_for(lease.lease_start)
        task.agency_id = lease.agency_id


async def request_callback_from_sms(
    session: AsyncSession, *, tenant_id: int, at: datetime, tz: ZoneInfo | None = None,
) -> CallTask | None:
    """A tenant texted "rappelez-moi": put a call at the top of their agency's queue today.

    Uses the tenant's latest active lease. An open courtesy task gets the callback; otherwise
    a ``callback`` task is created (or reopened) for a few days. None when the tenant has no
    active lease.
    """
    tz = tz or PARIS
    today = calendar.local_today(at, tz)
    lease = (await session.scalars(
        select(Lease).where(Lease.tenant_id == tenant_id, _active(today))
        .order_by(Lease.lease_start.desc(), Lease.id.desc()).limit(1)
    )).first()
    if lease is None:
        return None
    tasks = {t.kind: t for t in await session.scalars(select(CallTask).where(CallTask.lease_id == lease.id))}
    courtesy = tasks.get(TaskKind.COURTESY)
    task: CallTask | None
    if courtesy is not None and courtesy.status == TaskStatus.OPEN:
        task = courtesy
    else:
        phones = await callable_phones(session, [tenant_id])
        task = tasks.get(TaskKind.CALLBACK)
        if task is None:
            # Two texts from one tenant may arrive at once: insert-or-ignore on the unique
            # (lease, kind), then read back, so neither request fails (and loses its SMS).
            await session.execute(
                dialect_insert(session)(CallTask).values(
                    lease_id=lease.id, kind=TaskKind.CALLBACK, tenant_id=tenant_id,
                    agency_id=lease.agency_id, window_start=today, window_end=today,
                    status=TaskStatus.OPEN, no_phone=tenant_id not in phones, attempts=0,
                    requested_by_sms=True, created_at=at,
                ).on_conflict_do_nothing(index_elements=["lease_id", "kind"])
            )
            task = (await session.scalars(
                select(CallTask).where(CallTask.lease_id == lease.id, CallTask.kind == TaskKind.CALLBACK)
            )).one()
        if task.status != TaskStatus.OPEN:
            task.status, task.attempts, task.closed_at, task.last_outcome = TaskStatus.OPEN, 0, None, None
        task.window_start = today
        task.window_end = today + timedelta(days=CALLBACK_TASK_DAYS)
        task.no_phone = tenant_id not in phones
    task.callback_at = at
    task.next_attempt_at = at
    task.requested_by_sms = True
    await session.flush()
    return task


async def expire_tasks(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Open tasks whose window closed before ``today`` become ``expired``."""
    result = await session.execute(
        update(CallTask)
        .where(CallTask.status == TaskStatus.OPEN, CallTask.window_end < today)
        .values(status=TaskStatus.EXPIRED, closed_at=now, claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def cancel_ended_leases(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Open tasks of leases that ended (lease_end in the past) are cancelled."""
    ended = exists().where(
        and_(Lease.id == CallTask.lease_id, Lease.lease_end.is_not(None), Lease.lease_end < today)
    )
    result = await session.execute(
        update(CallTask)
        .where(CallTask.status == TaskStatus.OPEN, ended)
        .values(status=TaskStatus.CANCELLED, closed_at=now, claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)
