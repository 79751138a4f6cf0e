"""The commitment job: planned stops that started become open, open breakdowns get their
commitments (``upcoming`` until the working day they become due, then ``due``), rent
rebates are written once per lease and incident, in the month they became due.

Idempotent by construction: commitments land on (incident, kind), rebates on (incident,
lease); statuses move with guarded UPDATEs. Running it twice, or in two processes, creates
nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, exists, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.db import dialect_insert
from crm.incidents.models import (
    Commitment,
    CommitmentKind,
    CommitmentStatus,
    Incident,
    IncidentHousehold,
    IncidentKind,
    IncidentStatus,
    RentRebate,
)
from crm.incidents.rules import active_rules, due_on, load_rules
from crm.models import Agency, Lease

_CHUNK = 1000


@dataclass
class JobResult:
    started: int = 0  # planned stops that began
    created: int = 0  # commitments written
    became_due: int = 0
    rebates: int = 0

    @property
    def total(self) -> int:
        return self.started + self.created + self.became_due + self.rebates


def _ids_filter(column: Any, incident_ids: Sequence[int] | None) -> list[Any]:
    return [] if incident_ids is None else [column.in_(list(incident_ids))]


async def create_commitments(session: AsyncSession, *, now: datetime,
                             incident_ids: Sequence[int] | None = None) -> int:
    """Write the missing commitments of open breakdowns (planned works owe none: their
    households get the reduced-mobility help plan instead)."""
    rules = await load_rules(session)
    rows = (await session.execute(
        select(Incident.id, Incident.kind, Incident.agency_id, Incident.starts_at, Agency.department)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(Incident.status == IncidentStatus.OPEN, Incident.planned.is_(False),
               Incident.kind.in_({k for k, _ in rules}),
               *_ids_filter(Incident.id, incident_ids))
    )).all()
    if not rows:
        return 0
    existing: set[tuple[int, str]] = set()
    ids = [r.id for r in rows]
    for i in range(0, len(ids), _CHUNK):
        existing |= {(c.incident_id, c.kind) for c in (await session.execute(
            select(Commitment.incident_id, Commitment.kind)
            .where(Commitment.incident_id.in_(ids[i:i + _CHUNK])))).all()}
    tz = _tz(session)
    values = []
    for r in rows:
        start_day = r.starts_at.astimezone(tz).date()
        for rule in active_rules(rules, r.kind):
            if (r.id, rule.commitment_kind) in existing:
                continue
            values.append({
                "incident_id": r.id, "agency_id": r.agency_id, "kind": rule.commitment_kind,
                "working_days": rule.working_days,
                "due_on": due_on(start_day, rule.working_days, r.department),
                "rebate_percent": rule.rebate_percent, "status": CommitmentStatus.UPCOMING,
                "created_at": now,
            })
    if not values:
        return 0
    # executemany of one cached statement (batched by the driver), not one huge VALUES list.
    stmt = dialect_insert(session)(Commitment).on_conflict_do_nothing(index_elements=["incident_id", "kind"])
    await (await session.connection()).execute(stmt, values)
    return len(values)  # those missing when read (a concurrent run may have written some)


def _tz(session: AsyncSession) -> ZoneInfo:
    return session.info.get("tz") or ZoneInfo("Europe/Paris")


async def mark_due(session: AsyncSession, *, today: date,
                   incident_ids: Sequence[int] | None = None) -> int:
    """Upcoming commitments of open incidents whose day has come become due."""
    open_incident = exists().where(Incident.id == Commitment.incident_id,
                                   Incident.status == IncidentStatus.OPEN)
    result = await session.execute(
        update(Commitment)
        .where(Commitment.status == CommitmentStatus.UPCOMING, Commitment.due_on <= today,
               open_incident, *_ids_filter(Commitment.incident_id, incident_ids))
        .values(status=CommitmentStatus.DUE)
        .execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


async def settle_resolved(session: AsyncSession, incident: Incident, tz: ZoneInfo) -> None:
    """On resolution: what was owed before the service came back stays owed (``due``); what
    was not yet due is ``cancelled``."""
    assert incident.resolved_at is not None
    day = incident.resolved_at.astimezone(tz).date()
    mine = Commitment.incident_id == incident.id
    await session.execute(
        update(Commitment)
        .where(mine, Commitment.status.in_((CommitmentStatus.UPCOMING, CommitmentStatus.DUE)),
               Commitment.due_on > day)
        .values(status=CommitmentStatus.CANCELLED).execution_options(synchronize_session=False))
    await session.execute(
        update(Commitment)
        .where(mine, Commitment.status == CommitmentStatus.UPCOMING, Commitment.due_on <= day)
        .values(status=CommitmentStatus.DUE).execution_options(synchronize_session=False))


async def reopen_commitments(session: AsyncSession, incident_id: int) -> None:
    """A reopened incident owes again what its resolution had cancelled."""
    await session.execute(
        update(Commitment)
        .where(Commitment.incident_id == incident_id, Commitment.status == CommitmentStatus.CANCELLED)
        .values(status=CommitmentStatus.UPCOMING).execution_options(synchronize_session=False))


def _half_up(session: AsyncSession, value: Any) -> Any:
    """Cents rounded half up on both databases (PostgreSQL's round() of a double rounds
    half to even: 5 % of 412,50 € must be 20,63 €, not 20,62 €)."""
    if _is_postgres(session):
        return func.floor(value + 0.5).cast(Integer)
    return (value + 0.5).cast(Integer)  # SQLite: CAST truncates, and amounts are positive


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def _month_of(session: AsyncSession, column: Any) -> Any:
    if _is_postgres(session):
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


async def grant_rebates(session: AsyncSession, *, now: datetime,
                        incident_ids: Sequence[int] | None = None) -> int:
    """One rebate per lease concerned and incident, for every rent-rebate commitment owed
    and not granted yet, in one INSERT … SELECT (the amount from the lease's monthly rent
    when known); the commitments are then marked granted, so that later runs skip them."""
    pending = [Commitment.kind == CommitmentKind.RENT_REBATE,
               Commitment.status.in_((CommitmentStatus.DUE, CommitmentStatus.DONE)),
               Commitment.rebates_granted_at.is_(None), *_ids_filter(Commitment.incident_id, incident_ids)]
    ids = list(await session.scalars(select(Commitment.id).where(*pending)))
    if not ids:
        return 0
    concerned = or_(Incident.kind != IncidentKind.LIFT, IncidentHousehold.upper_floor.is_(True))
    amount = _half_up(session, Lease.monthly_rent_cents * Commitment.rebate_percent / 100.0)
    written = 0
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i:i + _CHUNK]
        source = (
            select(Commitment.incident_id, Commitment.id, IncidentHousehold.lease_id, Commitment.agency_id,
                   _month_of(session, Commitment.due_on), func.coalesce(Commitment.rebate_percent, 0.0),
                   amount, literal(now, RentRebate.__table__.c.created_at.type))
            .join(Incident, Incident.id == Commitment.incident_id)
            .join(IncidentHousehold, IncidentHousehold.incident_id == Commitment.incident_id)
            .join(Lease, Lease.id == IncidentHousehold.lease_id)
            .where(Commitment.id.in_(chunk), concerned)
        )
        # A second process granting the same commitment meanwhile lands on the unique key.
        result = await session.execute(
            dialect_insert(session)(RentRebate)
            .from_select(["incident_id", "commitment_id", "lease_id", "agency_id", "month", "percent",
                          "amount_cents", "created_at"], source)
            .on_conflict_do_nothing(index_elements=["incident_id", "lease_id"]))
        written += max(result.rowcount or 0, 0)
        await session.execute(update(Commitment).where(Commitment.id.in_(chunk))
                              .values(rebates_granted_at=now).execution_options(synchronize_session=False))
    return written


async def run_commitments(session: AsyncSession, *, now: datetime, tz: ZoneInfo,
                          incident_ids: Sequence[int] | None = None) -> JobResult:
    """One pass of the job (every incident, or only ``incident_ids``). Flushes; the caller
    commits."""
    from crm.incidents.households import start_due_planned

    session.info["tz"] = tz
    today = calendar.local_today(now, tz)
    out = JobResult()
    out.started = await start_due_planned(session, now=now, tz=tz, incident_ids=incident_ids)
    out.created = await create_commitments(session, now=now, incident_ids=incident_ids)
    out.became_due = await mark_due(session, today=today, incident_ids=incident_ids)
    out.rebates = await grant_rebates(session, now=now, incident_ids=incident_ids)
    await session.flush()
    return out


def owed(status: str) -> bool:
    return status in (CommitmentStatus.DUE, CommitmentStatus.DONE)

