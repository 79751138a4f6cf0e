"""Who an incident concerns: the active leases in its scope on the day it starts (floor and
reduced mobility copied), and, before a planned stop, a call task for every household with
reduced mobility ("accompagnement PMR") in the advisers' queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.calls.models import CallTask, TaskKind, TaskStatus
from crm.calls.tasks import callable_phones
from crm.db import dialect_insert
from crm.incidents.models import Incident, IncidentEvent, IncidentHousehold, IncidentStatus
from crm.incidents.rules import upper_floor
from crm.models import Lease, Tenant

_CHUNK = 1000


def scope_conditions(scope: dict[str, Any]) -> Any:
    parts = []
    for column, key in ((Lease.residence_id, "residences"), (Lease.building_id, "buildings"),
                        (Lease.entrance_id, "entrances")):
        if scope.get(key):
            parts.append(column.in_(sorted(set(scope[key]))))
    return or_(*parts) if parts else false()


async def take_households(session: AsyncSession, incident: Incident, day: date) -> int:
    """(Re)take the households: active leases of the scope on ``day``. Leases ended since an
    earlier snapshot leave; new ones come in. Returns the number of households."""
    rows = (await session.execute(
        select(Lease.id, Lease.tenant_id, Lease.floor, Tenant.reduced_mobility)
        .join(Tenant, Tenant.id == Lease.tenant_id)
        .where(scope_conditions(incident.scope), Lease.agency_id == incident.agency_id,
               Lease.lease_start <= day, or_(Lease.lease_end.is_(None), Lease.lease_end >= day))
    )).all()
    gone = select(Lease.id).where(or_(Lease.lease_end < day, Lease.lease_start > day))
    await session.execute(
        delete(IncidentHousehold).where(IncidentHousehold.incident_id == incident.id,
                                        IncidentHousehold.lease_id.in_(gone))
        .execution_options(synchronize_session=False))
    values = [{"incident_id": incident.id, "lease_id": r.id, "tenant_id": r.tenant_id, "floor": r.floor,
               "reduced_mobility": bool(r.reduced_mobility), "upper_floor": upper_floor(r.floor)}
              for r in rows]
    insert = dialect_insert(session)
    for i in range(0, len(values), _CHUNK):
        await session.execute(insert(IncidentHousehold).values(values[i:i + _CHUNK])
                              .on_conflict_do_nothing(index_elements=["incident_id", "lease_id"]))
    return len(values)


async def start_due_planned(session: AsyncSession, *, now: datetime, tz: ZoneInfo,
                            incident_ids: Sequence[int] | None = None) -> int:
    """Planned stops whose start has come become open, with their households retaken."""
    stmt = select(Incident).where(Incident.status == IncidentStatus.PLANNED, Incident.starts_at <= now)
    if incident_ids is not None:
        stmt = stmt.where(Incident.id.in_(list(incident_ids)))
    started = 0
    for incident in (await session.scalars(stmt)).all():
        incident.status = IncidentStatus.OPEN
        incident.updated_at = now
        incident.households_taken_at = now
        await take_households(session, incident, calendar.local_today(incident.starts_at, tz))
        session.add(IncidentEvent(incident_id=incident.id, at=incident.starts_at, kind="started",
                                  message="Début de l'arrêt programmé."))
        started += 1
    return started


async def ensure_pmr_tasks(session: AsyncSession, incident: Incident, *, now: datetime,
                           tz: ZoneInfo) -> int:
    """A call task before the stop for each reduced-mobility household: who needs help, at
    which times. One ``pmr`` task per lease (the calls' unique key): a later stop reopens it
    with the new window."""
    households = (await session.scalars(
        select(IncidentHousehold).where(IncidentHousehold.incident_id == incident.id,
                                        IncidentHousehold.reduced_mobility.is_(True)))).all()
    if not households:
        return 0
    today = calendar.local_today(now, tz)
    last_day = max(today, calendar.local_today(incident.starts_at, tz) - timedelta(days=1))
    leases = {r.id: r.agency_id for r in (await session.execute(
        select(Lease.id, Lease.agency_id).where(Lease.id.in_([h.lease_id for h in households])))).all()}
    phones = await callable_phones(session, [h.tenant_id for h in households])
    insert = dialect_insert(session)
    created = 0
    for h in households:
        result = await session.execute(insert(CallTask).values(
            lease_id=h.lease_id, kind=TaskKind.PMR, tenant_id=h.tenant_id, agency_id=leases[h.lease_id],
            window_start=today, window_end=last_day, status=TaskStatus.OPEN,
            no_phone=h.tenant_id not in phones, attempts=0, requested_by_sms=False, created_at=now,
        ).on_conflict_do_nothing(index_elements=["lease_id", "kind"]))
        created += max(result.rowcount or 0, 0)
        task = (await session.scalars(select(CallTask).where(
            CallTask.lease_id == h.lease_id, CallTask.kind == TaskKind.PMR))).one()
        if task.id != h.call_task_id:
            # An earlier stop's task: back in the queue for this one.
            task.status, task.attempts, task.last_outcome, task.closed_at = TaskStatus.OPEN, 0, None, None
            task.next_attempt_at = task.callback_at = None
            task.window_start, task.window_end = today, last_day
            task.no_phone = h.tenant_id not in phones
            h.call_task_id = task.id
    await session.flush()
    return created


async def close_pmr_task(session: AsyncSession, household: IncidentHousehold, now: datetime) -> None:
    """The needs were written down: the call is done."""
    if household.call_task_id is None:
        return
    task = await session.get(CallTask, household.call_task_id)
    if task is not None and task.status in TaskStatus.ACTIVE:
        task.status, task.closed_at, task.last_outcome = TaskStatus.COMPLETED, now, "reached"
        task.claimed_by = task.claim_expires_at = None
