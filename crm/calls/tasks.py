"""Call tasks: one per lease entering its window (idempotent), callbacks asked by SMS,
expiry when the window closes, cancellation when the lease ends.

These functions flush but do not commit: the caller (import batch, job, view) commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, Integer, and_, any_, bindparam, case, exists, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.calls.models import CallTask, TaskKind, TaskStatus
from crm.calls.rules import CALLBACK_TASK_DAYS, PARIS, WINDOW_CLOSES_AFTER, window_for
from crm.compiled import Compiled
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
        # The table, not the entity: no ORM bulk path. One statement with the rows as
        # parameters (SQLAlchemy sends them as multi-row INSERTs, "insertmanyvalues") is
        # compiled once and cached: with the rows written into it, it compiled anew for every
        # import batch, 4 % of an import's CPU.
        new.update(await session.scalars(
            insert(CallTask.__table__).on_conflict_do_nothing(index_elements=["lease_id", "kind"])
            .returning(CallTask.__table__.c.lease_id), values))
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
    """A tenant texted "rappelez-moi": put a call at the top of their agency's queue today
    (``raise_callback``), and the task it went to; None when the tenant has no active lease."""
    task_id = await raise_callback(session, tenant_id=tenant_id, at=at, tz=tz)
    if task_id is None:
        return None
    return await session.get(CallTask, task_id, populate_existing=True)


_t = CallTask.__table__.c


def _latest_lease(tenant_id: Any, today: Any) -> Any:
    """The tenant's latest active lease, with its open courtesy task if any and whether the
    tenant has a number to call."""
    return (
        select(Lease.id, Lease.agency_id, Lease.tenant_id,
               select(_t.id).where(_t.lease_id == Lease.id, _t.kind == TaskKind.COURTESY,
                                   _t.status == TaskStatus.OPEN).scalar_subquery().label("courtesy"),
               exists().where(Phone.tenant_id == Lease.tenant_id, Phone.valid.is_(True)).label("has_phone"))
        .where(Lease.tenant_id == tenant_id, or_(Lease.lease_end.is_(None), Lease.lease_end >= today))
        .order_by(Lease.lease_start.desc(), Lease.id.desc()).limit(1))


def _callback_on_courtesy(task_id: Any, at: Any) -> Any:
    return (update(CallTask.__table__).where(_t.id == task_id)
            .values(callback_at=at, next_attempt_at=at, requested_by_sms=True))


def _reopening(statement: Any) -> Any:
    """An upsert of the lease's callback task: created, or reopened if it was closed
    (attempts, closing and outcome reset): one statement that two texts arriving at once
    cannot make fail (the unique lease and kind)."""
    reopened = _t.status != TaskStatus.OPEN
    return statement.on_conflict_do_update(
        index_elements=[_t.lease_id, _t.kind],
        set_={"status": TaskStatus.OPEN,
              "attempts": case((reopened, 0), else_=_t.attempts),
              "closed_at": case((reopened, None), else_=_t.closed_at),
              "last_outcome": case((reopened, None), else_=_t.last_outcome),
              "window_start": statement.excluded.window_start,
              "window_end": statement.excluded.window_end,
              "no_phone": statement.excluded.no_phone,
              "callback_at": statement.excluded.callback_at,
              "next_attempt_at": statement.excluded.next_attempt_at,
              "requested_by_sms": True},
    ).returning(_t.id)


# Built once (an incoming SMS is a hot path).
_LATEST_LEASE = _latest_lease(bindparam("tenant_id"), bindparam("today", type_=Lease.lease_end.type))
_CALLBACK_ON_COURTESY = _callback_on_courtesy(bindparam("task_id"), bindparam("at", type_=_t.callback_at.type))
_CALLBACK_UPSERTS: dict[str, Any] = {}  # dialect name → statement


def _callback_upsert(session: AsyncSession) -> Any:
    """The lease's callback task for today and the next CALLBACK_TASK_DAYS days
    (``_reopening``)."""
    return _callback_upsert_for(session.get_bind().dialect.name, dialect_insert(session))


def _callback_upsert_for(dialect: str, insert: Any) -> Any:
    if dialect not in _CALLBACK_UPSERTS:
        at = bindparam("at", type_=_t.callback_at.type)
        _CALLBACK_UPSERTS[dialect] = _reopening(insert(CallTask.__table__).values(
            lease_id=bindparam("lease_id"), kind=TaskKind.CALLBACK, tenant_id=bindparam("tenant_id"),
            agency_id=bindparam("agency_id"), window_start=bindparam("today", type_=_t.window_start.type),
            window_end=bindparam("window_end", type_=_t.window_end.type), status=TaskStatus.OPEN,
            no_phone=bindparam("no_phone", type_=_t.no_phone.type), attempts=0,
            requested_by_sms=True, created_at=bindparam("created_at", type_=_t.created_at.type),
            callback_at=at, next_attempt_at=bindparam("at", type_=_t.next_attempt_at.type)))
    return _CALLBACK_UPSERTS[dialect]


def callback_statements(tenant_id: Any) -> tuple[list[Any], Any]:
    """PostgreSQL: ``raise_callback`` as data-modifying CTEs for the caller's statement (the
    webhook's "rappelez-moi" in one round trip): the open courtesy task of the tenant's
    latest active lease gets the callback, else the lease's callback task is upserted; and
    SQL for "taken on" (False: no active lease). Bind parameters: ``callback_params``."""
    from sqlalchemy.dialects import postgresql

    at = bindparam("callback_at", type_=_t.callback_at.type)
    today = bindparam("callback_today", type_=_t.window_start.type)
    lease = _latest_lease(tenant_id, today).cte("callback_lease")
    on_courtesy = (_callback_on_courtesy(select(lease.c.courtesy).scalar_subquery(), at)
                   .returning(_t.id).cte("callback_on_courtesy"))
    created = _reopening(postgresql.insert(CallTask.__table__).from_select(
        ["lease_id", "kind", "tenant_id", "agency_id", "window_start", "window_end", "status",
         "no_phone", "attempts", "requested_by_sms", "created_at", "callback_at", "next_attempt_at"],
        select(lease.c.id, literal(TaskKind.CALLBACK), lease.c.tenant_id, lease.c.agency_id, today,
               bindparam("callback_window_end", type_=_t.window_end.type), literal(TaskStatus.OPEN),
               ~lease.c.has_phone, literal(0), true(), at, at, at)
        .where(lease.c.courtesy.is_(None)))).cte("callback_task")
    taken = or_(exists(select(on_courtesy.c.id)), exists(select(created.c.id)))
    return [on_courtesy, created], taken


def callback_params(at: datetime, tz: ZoneInfo | None = None) -> dict[str, Any]:
    today = calendar.local_today(at, tz or PARIS)
    return {"callback_at": at, "callback_today": today,
            "callback_window_end": today + timedelta(days=CALLBACK_TASK_DAYS)}


SqliteCallback = Callable[[sqlite3.Connection, int, dict[str, Any]], bool]
_SQLITE_CALLBACK: list[SqliteCallback] = []


def sqlite_callback(dialect: Any) -> SqliteCallback:
    """SQLite: ``raise_callback`` for a DB-API connection, inside the caller's transaction
    (the webhook's group commit, ``crm.sqlite_batch``, on its writer's thread), its
    statements compiled once: ``(conn, tenant_id, callback_params(...)) -> taken on``."""
    if not _SQLITE_CALLBACK:
        from sqlalchemy.dialects import sqlite

        latest = Compiled.of(_LATEST_LEASE, dialect, ("tenant_id", "today"))
        on_courtesy = Compiled.of(_CALLBACK_ON_COURTESY, dialect, ("task_id", "at"))
        upsert = Compiled.of(_callback_upsert_for("sqlite", sqlite.insert), dialect, (
            "lease_id", "tenant_id", "agency_id", "today", "window_end", "no_phone", "created_at", "at"))

        def callback(conn: sqlite3.Connection, tenant_id: int, params: dict[str, Any]) -> bool:
            at = params["callback_at"]
            cursor = conn.execute(latest.sql, latest.args({"tenant_id": tenant_id,
                                                           "today": params["callback_today"]}))
            try:
                lease = cursor.fetchone()
            finally:
                cursor.close()
            if lease is None:
                return False
            lease_id, agency_id, _tenant, courtesy, has_phone = lease
            if courtesy is not None:
                conn.execute(on_courtesy.sql, on_courtesy.args({"task_id": courtesy, "at": at})).close()
                return True
            # RETURNING: the cursor read out and closed, or the write is not finished.
            cursor = conn.execute(upsert.sql, upsert.args({
                "lease_id": lease_id, "tenant_id": tenant_id, "agency_id": agency_id,
                "today": params["callback_today"], "window_end": params["callback_window_end"],
                "no_phone": not has_phone, "created_at": at, "at": at}))
            try:
                return cursor.fetchone() is not None
            finally:
                cursor.close()

        _SQLITE_CALLBACK.append(callback)
    return _SQLITE_CALLBACK[0]


async def raise_callback(session: AsyncSession, *, tenant_id: int, at: datetime,
                         tz: ZoneInfo | None = None) -> int | None:
    """A tenant texted "rappelez-moi": a call at the top of their agency's queue today; the
    task's id, or None when the tenant has no active lease.

    Uses the tenant's latest active lease. An open courtesy task gets the callback; otherwise
    a ``callback`` task is created (or reopened) for a few days. Two statements."""
    today = calendar.local_today(at, tz or PARIS)
    conn = await session.connection()
    lease = (await conn.execute(_LATEST_LEASE, {"tenant_id": tenant_id, "today": today})).first()
    if lease is None:
        return None
    lease_id, agency_id, _tenant, courtesy, has_phone = lease
    if courtesy is not None:
        await conn.execute(_CALLBACK_ON_COURTESY, {"task_id": courtesy, "at": at})
        return int(courtesy)
    return int((await conn.execute(_callback_upsert(session), {
        "lease_id": lease_id, "tenant_id": tenant_id, "agency_id": agency_id, "today": today,
        "window_end": today + timedelta(days=CALLBACK_TASK_DAYS), "no_phone": not has_phone,
        "created_at": at, "at": at})).scalar_one())


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
