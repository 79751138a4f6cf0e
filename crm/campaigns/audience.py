"""Who a campaign reaches: a union of estate parts and tenants, active leases only.

Scanned in chunks of tenants (keyset on tenant id) so that a 100,000-recipient campaign
never holds more than one chunk of rows, rendered texts included; only the set of numbers
already seen grows (to send one message per number).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, exists, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from crm.auth import Principal
from crm.errors import Forbidden
from crm.models import (
    Agency,
    Building,
    Entrance,
    Lease,
    LocalOffice,
    OptOutEvent,
    Phone,
    PhoneKind,
    Residence,
    Tenant,
)
from crm.phones import format_phone
from crm.tenants.optouts import opted_out_among
from crm.web.jsonutil import Id

# Tenants per chunk: each chunk costs four queries, so 100,000 recipients in chunks of
# 1,000 spent most of a preview's time in per-query overhead.
CHUNK = 5000


class Audience(BaseModel):
    """Ids from /api/v1/estate, combined as a union."""

    model_config = ConfigDict(extra="forbid")
    agencies: list[Id] = Field(default_factory=list, max_length=1000)
    local_offices: list[Id] = Field(default_factory=list, max_length=1000)
    residences: list[Id] = Field(default_factory=list, max_length=10000)
    buildings: list[Id] = Field(default_factory=list, max_length=10000)
    entrances: list[Id] = Field(default_factory=list, max_length=10000)
    tenant_ids: list[Id] = Field(default_factory=list, max_length=100000)

    def is_empty(self) -> bool:
        return not any((self.agencies, self.local_offices, self.residences, self.buildings,
                        self.entrances, self.tenant_ids))


async def check_scope(session: AsyncSession, audience: Audience, p: Principal) -> None:
    """403 when a non-admin targets anything outside their agency."""
    if p.is_admin:
        return
    mine = p.agency_id

    async def owned(stmt: Any, wanted: list[int]) -> None:
        if not wanted:
            return
        found = set((await session.scalars(stmt)).all())
        if set(wanted) - found:
            raise Forbidden("Une partie du public choisi n'appartient pas à votre agence.",
                            code="agency_forbidden")

    if any(a != mine for a in audience.agencies):
        raise Forbidden("Une partie du public choisi n'appartient pas à votre agence.",
                        code="agency_forbidden")
    await owned(select(LocalOffice.id).where(LocalOffice.id.in_(audience.local_offices),
                                             LocalOffice.agency_id == mine), audience.local_offices)
    await owned(select(Residence.id).where(Residence.id.in_(audience.residences),
                                           Residence.agency_id == mine), audience.residences)
    await owned(select(Building.id).join(Residence, Residence.id == Building.residence_id)
                .where(Building.id.in_(audience.buildings), Residence.agency_id == mine),
                audience.buildings)
    await owned(select(Entrance.id).join(Building, Building.id == Entrance.building_id)
                .join(Residence, Residence.id == Building.residence_id)
                .where(Entrance.id.in_(audience.entrances), Residence.agency_id == mine),
                audience.entrances)
    ids = list(set(audience.tenant_ids))
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        await owned(select(Lease.tenant_id).where(Lease.tenant_id.in_(part), Lease.agency_id == mine)
                    .distinct(), part)


@dataclass(slots=True)
class Recipient:
    tenant_id: int
    e164: str
    context: dict[str, Any]


@dataclass(slots=True)
class Contact:
    """A tenant to reach some other way (no mobile, opted out) or to call (reduced mobility)."""

    tenant_id: int
    name: str
    mobile: str | None
    landline: str | None
    residence: str
    building: str
    entrance: str
    reason: str


@dataclass
class AudienceScan:
    """One pass over an audience. Iterate ``chunks(session)``; counts fill as it goes."""

    audience: Audience
    agency_id: int | None  # None: every agency (admins)
    today: date
    ignore_opt_out: bool = False  # urgent outage alerts where the landlord allows it
    collect_unreachable: bool = False
    collect_reduced_mobility: bool = False
    chunk_size: int = CHUNK
    recipients: int = 0
    excluded: dict[str, int] = field(
        default_factory=lambda: {"opted_out": 0, "no_mobile": 0, "duplicate_phone": 0})
    unreachable: list[Contact] = field(default_factory=list)
    reduced_mobility: list[Contact] = field(default_factory=list)

    def lease_conditions(self, lease: Any = Lease, *, unindexed: bool = False) -> list[Any]:
        a = self.audience
        parts = []
        for column, ids in ((lease.agency_id, a.agencies), (lease.local_office_id, a.local_offices),
                            (lease.residence_id, a.residences), (lease.building_id, a.buildings),
                            (lease.entrance_id, a.entrances), (lease.tenant_id, a.tenant_ids)):
            if ids:
                parts.append((column + 0 if unindexed else column).in_(sorted(set(ids))))
        conditions = [or_(*parts) if parts else false(),
                      or_(lease.lease_end.is_(None), lease.lease_end >= self.today)]
        if self.agency_id is not None:
            conditions.append(lease.agency_id == self.agency_id)
        return conditions

    async def chunks(self, session: AsyncSession) -> AsyncIterator[list[Recipient]]:
        conditions = self.lease_conditions()
        seen_numbers: set[str] = set()
        last_id = 0
        while True:
            # Core execution, not the ORM's: these are plain rows, and the ORM's per-row
            # loading was most of a 100,000-recipient scan. Asked for each chunk: the
            # caller may commit between chunks (a launch), which releases the connection.
            conn = await session.connection()
            tenant_ids = list((await conn.execute(
                select(Lease.tenant_id).where(*conditions, Lease.tenant_id > last_id)
                .group_by(Lease.tenant_id).order_by(Lease.tenant_id).limit(self.chunk_size)
            )).scalars().all())
            if not tenant_ids:
                return
            last_id = tenant_ids[-1]
            places = await self._places(conn, conditions, tenant_ids)
            mobiles, landlines = await self._phones(conn, conditions, tenant_ids)
            opted = set() if self.ignore_opt_out else await opted_out_among(
                session, select(Phone.e164).where(Phone.tenant_id.between(tenant_ids[0], tenant_ids[-1])))
            batch: list[Recipient] = []
            for tid in tenant_ids:
                ctx, reduced = places[tid]
                mobile = mobiles.get(tid)
                if reduced and self.collect_reduced_mobility:
                    self.reduced_mobility.append(self._contact(tid, ctx, mobile, landlines, "Mobilité réduite"))
                if mobile is None:
                    self.excluded["no_mobile"] += 1
                    if self.collect_unreachable:
                        self.unreachable.append(self._contact(tid, ctx, None, landlines, "Pas de mobile"))
                elif mobile in opted:
                    self.excluded["opted_out"] += 1
                    if self.collect_unreachable:
                        self.unreachable.append(self._contact(tid, ctx, mobile, landlines, "SMS refusés (STOP)"))
                elif mobile in seen_numbers:
                    self.excluded["duplicate_phone"] += 1
                else:
                    seen_numbers.add(mobile)
                    self.recipients += 1
                    batch.append(Recipient(tid, mobile, ctx))
            yield batch

    # --- the same rules in one SQL statement (launch and preview of plain bodies) ---------

    def recipients_select(self, *, after: int | None = None, upto: int | None = None,
                          tenant_ids: list[int] | None = None) -> Select[Any]:
        """Every audience tenant (of the range) as ``chunks`` sees it, one row each, in ONE
        statement: ``tenant_id``, ``e164`` (the first valid mobile, NULL when none),
        ``opted_out``, ``duplicate`` (an earlier tenant of the audience has the number),
        ``reduced_mobility`` and the context's fields (``agency_phone`` unformatted).
        A recipient is a row with a number, neither opted out nor a duplicate."""
        # A chunk is a range of tenant ids: its conditions leave the other indexes alone
        # (SQLite's planner would rather go through an audience's five agencies and read
        # every lease of theirs for each chunk).
        ranged = after is not None or upto is not None
        conditions = self.lease_conditions(unindexed=ranged)
        if after is not None:
            conditions.append(Lease.tenant_id > after)
        if upto is not None:
            conditions.append(Lease.tenant_id <= upto)
        if tenant_ids is not None:
            conditions.append(Lease.tenant_id.in_(tenant_ids))
        # Ordered by start, the latest matching lease wins (``_places``).
        later = aliased(Lease, name="later_lease")
        # The correlated subqueries go through their tenant's rows (tenant_id index): their
        # audience conditions leave the other indexes alone, statistics or not. The row
        # itself, found there too, is set aside by its id, which the index holds: SQLite
        # then skips reading it from the table (a tenth of a launch's statement).
        latest = ~exists().where(later.tenant_id == Lease.tenant_id, later.id != Lease.id,
                                 *self.lease_conditions(later, unindexed=True),
                                 or_(later.lease_start > Lease.lease_start,
                                     and_(later.lease_start == Lease.lease_start, later.id > Lease.id)))
        mobile, earlier = aliased(Phone, name="mobile"), aliased(Phone, name="earlier")

        def first_mobile(phone: Any, tenant_id: Any) -> Any:
            before = aliased(Phone)
            return and_(phone.tenant_id == tenant_id, phone.kind == PhoneKind.MOBILE, phone.valid.is_(True),
                        ~exists().where(before.tenant_id == phone.tenant_id, before.kind == PhoneKind.MOBILE,
                                        before.valid.is_(True), before.id < phone.id))

        if self.ignore_opt_out:
            opted: Any = literal(False)
        else:
            # The numbers whose latest event is an opt-out: computed once a statement (a
            # lookup a row), not a correlated subquery a row.
            event, newer = aliased(OptOutEvent, name="event"), aliased(OptOutEvent, name="newer")
            opted = mobile.e164.in_(
                select(event.e164).where(event.opted_out.is_(True),
                                         ~exists().where(newer.e164 == event.e164, newer.id > event.id)))
        # A number goes to the first tenant (by id) of the audience who has it as mobile.
        other_lease = aliased(Lease, name="other_lease")
        duplicate = exists().where(
            earlier.e164 == mobile.e164, earlier.id != mobile.id, earlier.tenant_id < mobile.tenant_id,
            first_mobile(earlier, earlier.tenant_id),
            exists().where(other_lease.tenant_id == earlier.tenant_id,
                           *self.lease_conditions(other_lease, unindexed=True)))
        stmt = (select(Lease.tenant_id, mobile.e164, opted.label("opted_out"), duplicate.label("duplicate"),
                       Tenant.reduced_mobility, Tenant.civility, Tenant.first_name, Tenant.last_name,
                       Residence.name.label("residence"), Building.name.label("building"),
                       Entrance.name.label("entrance"), Agency.name.label("agency_name"),
                       Agency.phone.label("agency_phone"))
                .join(Tenant, Tenant.id == Lease.tenant_id)
                .join(Residence, Residence.id == Lease.residence_id)
                .join(Agency, Agency.id == Lease.agency_id)
                .outerjoin(Building, Building.id == Lease.building_id)
                .outerjoin(Entrance, Entrance.id == Lease.entrance_id)
                .outerjoin(mobile, first_mobile(mobile, Lease.tenant_id))
                .where(*conditions, latest))
        return stmt

    async def next_bound(self, conn: AsyncConnection | AsyncSession, after: int) -> int | None:
        """The last tenant id of the next chunk after ``after`` (None: no more)."""
        ids = (select(Lease.tenant_id).where(*self.lease_conditions(unindexed=True), Lease.tenant_id > after)
               .group_by(Lease.tenant_id).order_by(Lease.tenant_id).limit(self.chunk_size).subquery())
        return await conn.scalar(select(func.max(ids.c.tenant_id)))

    async def run(self, session: AsyncSession) -> AudienceScan:
        """Count only (and collect the lists asked for)."""
        async for _ in self.chunks(session):
            pass
        return self

    @staticmethod
    def recipient_of(row: Any, formatted: dict[str | None, str]) -> Recipient:
        """A row of ``recipients_select`` as ``chunks`` gives it."""
        phone = row.agency_phone
        if phone not in formatted:
            formatted[phone] = format_phone(phone)
        return Recipient(row.tenant_id, row.e164, {
            "civility": row.civility, "first_name": row.first_name, "last_name": row.last_name,
            "residence": row.residence, "building": row.building, "entrance": row.entrance,
            "agency_name": row.agency_name, "agency_phone": formatted[phone]})

    @staticmethod
    def _contact(tid: int, ctx: dict[str, Any], mobile: str | None, landlines: dict[int, str],
                 reason: str) -> Contact:
        name = " ".join(x for x in (ctx["civility"], ctx["first_name"], ctx["last_name"]) if x)
        return Contact(tid, name, mobile, landlines.get(tid), ctx["residence"] or "",
                       ctx["building"] or "", ctx["entrance"] or "", reason)

    async def _places(self, conn: AsyncConnection, conditions: list[Any],
                      tenant_ids: list[int]) -> dict[int, tuple[dict[str, Any], bool]]:
        rows = await conn.execute(
            select(Lease.tenant_id, Tenant.civility, Tenant.first_name,
                   Tenant.last_name, Tenant.reduced_mobility, Residence.name, Building.name,
                   Entrance.name, Agency.name, Agency.phone)
            .join(Tenant, Tenant.id == Lease.tenant_id)
            .join(Residence, Residence.id == Lease.residence_id)
            .join(Agency, Agency.id == Lease.agency_id)
            .outerjoin(Building, Building.id == Lease.building_id)
            .outerjoin(Entrance, Entrance.id == Lease.entrance_id)
            # The chunk is every matching tenant of this id range: the range alone selects
            # it, on the tenant_id index, without a list of 5,000 ids to bind.
            .where(*conditions, Lease.tenant_id.between(tenant_ids[0], tenant_ids[-1]))
            .order_by(Lease.tenant_id, Lease.lease_start, Lease.id)
        )
        places: dict[int, tuple[dict[str, Any], bool]] = {}
        formatted: dict[str | None, str | None] = {}  # a few agencies' phones, 100,000 rows
        for (tid, civility, first, last, reduced, residence, building, entrance,
             agency, agency_phone) in rows:
            if agency_phone not in formatted:
                formatted[agency_phone] = format_phone(agency_phone)
            # Ordered by start: the latest matching lease wins (a tenant who moved in the estate).
            places[tid] = ({"civility": civility, "first_name": first, "last_name": last,
                            "residence": residence, "building": building, "entrance": entrance,
                            "agency_name": agency, "agency_phone": formatted[agency_phone]},
                           bool(reduced))
        return places

    @staticmethod
    async def _phones(conn: AsyncConnection, conditions: list[Any],
                      tenant_ids: list[int]) -> tuple[dict[int, str], dict[int, str]]:
        in_audience = select(Lease.id).where(Lease.tenant_id == Phone.tenant_id, *conditions).exists()
        rows = await conn.execute(
            select(Phone.tenant_id, Phone.e164, Phone.kind)
            .where(Phone.tenant_id.between(tenant_ids[0], tenant_ids[-1]), in_audience,
                   Phone.valid.is_(True)).order_by(Phone.id)
        )
        mobiles: dict[int, str] = {}
        landlines: dict[int, str] = {}
        for tid, e164, kind in rows:
            target = mobiles if kind == PhoneKind.MOBILE else landlines
            target.setdefault(tid, e164)
        return mobiles, landlines

