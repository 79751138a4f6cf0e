"""SMS opt-outs: every change is an event (date, source); the current state is the latest.

Recording an opt-out also stops, at once, every message still pending for that number
(``crm.hooks.OPTED_OUT``: the outbox owner reacts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CTE, Select, and_, bindparam, false, func, insert, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.models import OptOutEvent


def _latest_subquery(e164s: list[str] | None = None):
    stmt = select(OptOutEvent.e164, func.max(OptOutEvent.id).label("last_id")).group_by(OptOutEvent.e164)
    if e164s is not None:
        stmt = stmt.where(OptOutEvent.e164.in_(e164s))
    return stmt.subquery()


def opted_out_now(e164: Any) -> Any:
    """SQL: is the number ``e164`` (a column or a value) opted out now, i.e. is its latest
    event an opt-out? For folding the check into another statement (the outbox claim)."""
    latest = (select(OptOutEvent.opted_out).where(OptOutEvent.e164 == e164)
              .order_by(OptOutEvent.id.desc()).limit(1).scalar_subquery())
    return func.coalesce(latest, false())


async def opted_out_numbers(session: AsyncSession, e164s: Iterable[str] | None = None) -> set[str]:
    """The numbers (among ``e164s``, or all) whose latest event is an opt-out.

    Events are appended in time order, so the highest id is the latest.
    """
    wanted = None if e164s is None else list(set(e164s))
    if wanted is not None and not wanted:
        return set()
    result: set[str] = set()
    chunks = [wanted[i:i + 5000] for i in range(0, len(wanted), 5000)] if wanted else [None]
    for chunk in chunks:
        latest = _latest_subquery(chunk)
        rows = await session.execute(
            select(OptOutEvent.e164)
            .join(latest, and_(OptOutEvent.id == latest.c.last_id))
            .where(OptOutEvent.opted_out.is_(True))
        )
        result.update(rows.scalars())
    return result


async def opted_out_among(session: AsyncSession, numbers: Any) -> set[str]:
    """The numbers of the SQL select ``numbers`` whose latest event is an opt-out: for
    thousands of numbers at once (an audience chunk) without binding each one."""
    latest = (select(OptOutEvent.e164, func.max(OptOutEvent.id).label("last_id"))
              .where(OptOutEvent.e164.in_(numbers)).group_by(OptOutEvent.e164).subquery())
    rows = await session.execute(
        select(OptOutEvent.e164).join(latest, OptOutEvent.id == latest.c.last_id)
        .where(OptOutEvent.opted_out.is_(True)))
    return set(rows.scalars())


# Built once: asked for each STOP, START and "oui" that comes in.
IS_OPTED_OUT = select(opted_out_now(bindparam("e164", type_=OptOutEvent.__table__.c.e164.type)))
_INSERT_EVENT = insert(OptOutEvent.__table__)


async def is_opted_out(session: AsyncSession, e164: str) -> bool:
    return bool(await session.scalar(IS_OPTED_OUT, {"e164": e164}))


async def record_opt_change(
    session: AsyncSession,
    e164: str,
    *,
    opted_out: bool,
    at: datetime,
    source: str,
    tenant_id: int | None = None,
    user_id: int | None = None,
    note: str | None = None,
) -> bool:
    """Record an opt-out or opt-in. Returns True when the state changed (so a confirmation is
    due), False when it was already so. An opt-out cancels pending outbox rows for the number
    in the same transaction (``crm.hooks.OPTED_OUT``). The caller commits."""
    was = await is_opted_out(session, e164)
    await session.execute(_INSERT_EVENT, {"e164": e164, "opted_out": opted_out, "at": at,
                                          "source": source, "tenant_id": tenant_id,
                                          "user_id": user_id, "note": note})
    if opted_out:
        for react in hooks.OPTED_OUT.handlers():  # the outbox stops what is pending
            await react(session, [e164], at)
    return was != opted_out


def opt_out_ctes(numbers: Select[Any]) -> list[CTE]:
    """PostgreSQL: ``record_opt_change(..., opted_out=True)`` as data-modifying CTEs for the
    caller's statement (the webhook's STOP in one round trip, committed by itself): the
    event of each row of ``numbers`` (columns ``e164``, ``tenant_id``; bind parameters
    ``at``, ``source``, ``note``) and the reactions of ``crm.hooks.OPTED_OUT_SQL``. The
    state before is ``opted_out_now`` read in that statement: its snapshot does not see
    the new event."""
    events = OptOutEvent.__table__
    at = bindparam("at", type_=events.c.at.type)
    new = numbers.subquery("opt_out_numbers")
    added = (insert(events)
             .from_select(["e164", "opted_out", "at", "source", "tenant_id", "note"],
                          select(new.c.e164, true(), at, bindparam("source", type_=events.c.source.type),
                                 new.c.tenant_id, bindparam("note", type_=events.c.note.type)))
             .returning(events.c.e164).cte("opt_out_added"))
    stopped = select(added.c.e164)
    return [added, *(react(stopped, at).cte(f"opted_out_reaction_{i}")
                     for i, react in enumerate(hooks.OPTED_OUT_SQL.handlers()))]


def opt_out_statements() -> list[Any]:
    """``record_opt_change(..., opted_out=True)`` for one number as plain statements, in
    order, for a caller running them on a driver connection (the webhook's STOP on SQLite,
    which has no data-modifying CTE): the event (bind parameters ``e164``, ``at``,
    ``source``, ``tenant_id``, ``note``), then the reactions of ``crm.hooks.OPTED_OUT_SQL``.
    The state before is ``IS_OPTED_OUT``, read first."""
    events = OptOutEvent.__table__
    e164 = bindparam("e164", type_=events.c.e164.type)
    at = bindparam("at", type_=events.c.at.type)
    event = insert(events).values(
        e164=e164, opted_out=True, at=at, source=bindparam("source", type_=events.c.source.type),
        tenant_id=bindparam("tenant_id", type_=events.c.tenant_id.type),
        note=bindparam("note", type_=events.c.note.type))
    return [event, *(react([e164], at) for react in hooks.OPTED_OUT_SQL.handlers())]


@dataclass(frozen=True, slots=True)
class OptChange:
    e164: str
    opted_out: bool
    tenant_id: int | None = None
    note: str | None = None


async def record_opt_changes(session: AsyncSession, changes: list[OptChange], *, at: datetime,
                             source: str, user_id: int | None = None) -> None:
    """``record_opt_change`` for many numbers at once (an import): one multi-row INSERT and
    one outbox cancellation for the batch, instead of three statements a number. Numbers are
    expected distinct. The caller commits."""
    if not changes:
        return
    await session.execute(insert(OptOutEvent.__table__), [
        {"e164": c.e164, "opted_out": c.opted_out, "at": at, "source": source,
         "tenant_id": c.tenant_id, "user_id": user_id, "note": c.note} for c in changes])
    stopped = [c.e164 for c in changes if c.opted_out]
    if stopped:
        for react in hooks.OPTED_OUT.handlers():
            await react(session, stopped, at)
