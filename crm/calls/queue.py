"""The day's call queue of an agency.

Which tasks: open, window containing the day, due by the queue's reference moment (now for
today, the end of calling hours for another day). Nothing on a day that is not a working day
for the agency (weekends, French holidays, Alsace-Moselle's extra days in 57/67/68).

Order and ``priority`` (lower = more urgent):
  1  callback due (asked on the phone or by SMS) — honoured at its time, first;
  2  window closes within 2 days;
  3  the others, fewest days left then fewest attempts;
  4  no usable number: listed last, to stay in sight (find a number, write a letter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.calls.models import CallTask, TaskStatus
from crm.calls.rules import queue_reference
from crm.calls.tasks import callable_phones
from crm.models import Agency, Lease, Tenant, User

URGENT_DAYS = 2
PRIORITY_LABELS = {1: "Rappel", 2: "Fenêtre bientôt close", 3: "À appeler", 4: "Sans numéro"}


@dataclass
class Queue:
    day: date
    reference: datetime
    working: bool
    items: list[dict[str, Any]]
    total: int


async def working_agencies(session: AsyncSession, day: date, agency_id: int | None) -> list[int]:
    stmt = select(Agency.id, Agency.department)
    if agency_id is not None:
        stmt = stmt.where(Agency.id == agency_id)
    rows = (await session.execute(stmt)).all()
    return [r.id for r in rows if calendar.is_working_day(day, r.department)]


async def day_queue(
    session: AsyncSession, *, day: date, agency_id: int | None, now: datetime, tz: ZoneInfo,
    page: int = 1, per_page: int = 50,
) -> Queue:
    """The queue for ``day`` (``agency_id`` None = every agency), most urgent first."""
    reference = queue_reference(day, now, tz)
    agencies = await working_agencies(session, day, agency_id)
    if not agencies:
        return Queue(day, reference, False, [], 0)
    callback_due = and_(CallTask.callback_at.is_not(None), CallTask.callback_at <= reference)
    where = [
        CallTask.status == TaskStatus.OPEN,
        CallTask.agency_id.in_(agencies),
        CallTask.window_start <= day,
        CallTask.window_end >= day,
        or_(CallTask.next_attempt_at.is_(None), CallTask.next_attempt_at <= reference),
    ]
    total = await session.scalar(select(func.count()).select_from(CallTask).where(*where)) or 0
    # Two steps: order the ids alone (the queue index covers every column used), then load
    # the page's 50 rows with their joins, instead of joining thousands of rows before sorting.
    ids = list(await session.scalars(
        select(CallTask.id).where(*where)
        .order_by(case((callback_due, 0), else_=1), CallTask.no_phone, CallTask.window_end,
                  CallTask.attempts, CallTask.id)
        .offset((page - 1) * per_page).limit(per_page)
    ))
    loaded = {r[0].id: r for r in (await session.execute(
        select(CallTask, Tenant.civility, Tenant.first_name, Tenant.last_name, Lease.lease_start,
               User.email, User.full_name, Agency.name)
        .join(Tenant, Tenant.id == CallTask.tenant_id)
        .join(Agency, Agency.id == CallTask.agency_id)
        .join(Lease, Lease.id == CallTask.lease_id)
        .outerjoin(User, User.id == CallTask.claimed_by)
        .where(CallTask.id.in_(ids))
    )).all()} if ids else {}
    rows = [loaded[i] for i in ids if i in loaded]
    phones = await callable_phones(session, (r[0].tenant_id for r in rows))
    items = []
    for task, civility, first, last, lease_start, claimer, claimer_name, agency_name in rows:
        tenant_phones = phones.get(task.tenant_id, [])
        days_left = (task.window_end - day).days
        if task.callback_at is not None and task.callback_at <= reference:
            priority = 1
        elif not tenant_phones:
            priority = 4
        elif days_left <= URGENT_DAYS:
            priority = 2
        else:
            priority = 3
        claimed = task.claimed_by is not None and task.claim_expires_at is not None \
            and task.claim_expires_at > now
        items.append({
            "task_id": task.id,
            "tenant_id": task.tenant_id,
            "tenant_name": " ".join(p for p in (civility, first, last) if p),
            "phone": tenant_phones[0].e164 if tenant_phones else None,
            "phones": [{"e164": p.e164, "kind": p.kind} for p in tenant_phones],
            "lease_start": lease_start,
            "window_end": task.window_end,
            "days_left": days_left,
            "attempts": task.attempts,
            "last_outcome": task.last_outcome,
            "callback_at": task.callback_at,
            "priority": priority,
            "priority_label": PRIORITY_LABELS[priority],
            "kind": task.kind,
            "requested_by_sms": task.requested_by_sms,
            "claimed_by": task.claimed_by if claimed else None,
            "claimed_by_email": claimer if claimed else None,
            # Advisers by name, as the indicators show them; the agency for admins' queue.
            "claimed_by_name": (claimer_name or claimer) if claimed else None,
            "agency_id": task.agency_id,
            "agency_name": agency_name,
            "claim_expires_at": task.claim_expires_at if claimed else None,
        })
    return Queue(day, reference, True, items, total)


async def reached_waiting(session: AsyncSession, *, agency_id: int | None) -> list[dict[str, Any]]:
    """Tasks reached whose interview is not written yet (shown above the queue)."""
    stmt = (select(CallTask, Tenant.civility, Tenant.first_name, Tenant.last_name)
            .join(Tenant, Tenant.id == CallTask.tenant_id)
            .where(CallTask.status == TaskStatus.REACHED).order_by(CallTask.id).limit(200))
    if agency_id is not None:
        stmt = stmt.where(CallTask.agency_id == agency_id)
    return [{"task_id": t.id, "tenant_id": t.tenant_id,
             "tenant_name": " ".join(p for p in (c, f, n) if p), "window_end": t.window_end}
            for t, c, f, n in (await session.execute(stmt)).all()]
