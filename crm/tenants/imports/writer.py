"""Writing a batch of rows: leases, households and phones, created or updated, with the changes kept."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.clock import Clock
from crm.db import Database
from crm.models import (
    Agency,
    AuditEvent,
    Building,
    Entrance,
    Lease,
    LeaseChange,
    LocalOffice,
    OptOutEvent,
    Phone,
    Residence,
    Tenant,
)
from crm.phones import normalise_phone
from crm.tenants.imports.bulk import (
    TENANT_COLUMNS,
    NewTenant,
    insert_numbered,
    insert_rows,
    new_tenant,
    reserve_ids,
    tenant_values,
)
from crm.tenants.imports.estate import Deferred, EstateCache
from crm.tenants.imports.optouts import OptOutSettlement
from crm.tenants.imports.report import ImportReport, RowIssue
from crm.tenants.imports.rows import Row, RowError, is_anonymised, parse_row

LEASE_TEXT_FIELDS = ("floor", "dwelling_ref", "address", "postcode", "city")
ESTATE_FIELDS = ("agency", "local_office", "residence", "building", "entrance")
PHONE_CACHE_SIZE = 20_000  # numbers; a household's leases are usually close in the file
TENANT_FIELDS = ("civility", "first_name", "last_name", "email", "reduced_mobility")
LEASE_COLUMNS = ("contract_ref", "tenant_id", "agency_id", "local_office_id", "residence_id", "building_id",
                 "entrance_id", "floor", "dwelling_ref", "address", "postcode", "city", "lease_start",
                 "lease_end", "monthly_rent_cents", "created_at", "updated_at")
IMPORTED_TABLES = tuple(model.__table__.name for model in (
    Tenant, Lease, Phone, LeaseChange, OptOutEvent, Agency, LocalOffice, Residence, Building, Entrance))
# PostgreSQL: a batch with this many new leases is written in WRITERS transactions side by side.
SPLIT_AT = 200
WRITERS = 2
PHONE_COLUMNS = ("tenant_id", "e164", "kind", "valid", "source", "created_at")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value



@dataclass(slots=True)
class _Plan:
    """What a batch decided to write."""
    rows: list[Row]
    now: datetime
    opt_states: Any = None
    places: Deferred = field(default_factory=list)  # PostgreSQL: new places, numbered, to insert
    new_tenants: list[NewTenant] = field(default_factory=list)
    new_rows: list[Row] = field(default_factory=list)  # rows whose lease is new
    new_phones: list[tuple[Any, str, str]] = field(default_factory=list)  # (household, e164, kind)
    changed_ids: list[int] = field(default_factory=list)  # a corrected start date or a new number matters to calls
    lease_ids: list[int] | None = None  # PostgreSQL: the new leases' ids, reserved
    refs: list[str] = field(default_factory=list)  # household references this batch makes known


@dataclass(slots=True)
class _Part:
    """Some of a batch's new households with all their leases and phones (PostgreSQL)."""
    tenants: list[tuple[Any, ...]] = field(default_factory=list)
    leases: list[tuple[Any, ...]] = field(default_factory=list)
    phones: list[tuple[Any, ...]] = field(default_factory=list)


class BatchWriter:
    def __init__(self, db: Database, *, clock: Clock, tz: ZoneInfo, user_id: int | None,
                 columns: dict[str, int]) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.user_id = user_id
        self.present = frozenset(columns)
        self.report = ImportReport()
        self.estate = EstateCache()
        self.seen_contracts: dict[str, int] = {}  # contract_ref -> line, to refuse duplicates
        # Households whose fields a row already set: by reference, or by id when they have none.
        self.seen_tenant_refs: set[str] = set()
        self.seen_tenant_ids: set[int] = set()
        self.sms_wishes = OptOutSettlement()  # "refus SMS", settled over the whole file
        # phonenumbers is a fifth of the import: each distinct cell is parsed once (a number
        # shared by a household's leases, by a couple's two rows). Bounded: about 7 MB.
        self.normalise = functools.lru_cache(maxsize=PHONE_CACHE_SIZE)(normalise_phone)
        # Households named by a reference in a batch not committed yet (PostgreSQL: the next
        # batch decides while the one before is written).
        self.uncommitted_refs: dict[str, Any] = {}
        self._deciding = asyncio.Lock()
        # Batches in flight at once: on PostgreSQL one decides while the one before is
        # written; on SQLite a batch's first write takes the file's write lock until it commits.
        self.depth = 2 if db.is_postgres else 1

    async def start(self) -> None:
        async with self.db.session() as session:
            await self.estate.load(session)
            await self.sms_wishes.load(session)
            # The keys on record, as hashes (a few MB for 100,000 leases): a batch asks the
            # database only for the leases and households that may exist, none at all on a
            # first import. A hash collision only costs a query that finds nothing.
            self.known_contracts: set[int] = {hash(ref) for ref in
                                              await session.scalars(select(Lease.contract_ref))}
            self.known_tenant_refs: set[int] = {hash(ref) for ref in await session.scalars(
                select(Tenant.tenant_ref).where(Tenant.tenant_ref.is_not(None)))}

    def accept(self, line: int, cells: list[str] | None, columns: dict[str, int]) -> Row | None:
        try:
            row = parse_row(line, cells, columns, self.report.warnings, self.normalise)
        except RowError as exc:
            self.report.rejected.append(RowIssue(line, str(exc)))
            return None
        ref = row.values["contract_ref"]
        first = self.seen_contracts.get(ref)
        if first is not None:
            self.report.rejected.append(RowIssue(line, f"N° de contrat {ref} déjà présent ligne {first}."))
            return None
        self.seen_contracts[ref] = line
        return row

    async def write_batch(self, rows: list[Row], previous: asyncio.Future[None] | None = None) -> None:
        """Write a batch in one transaction (PostgreSQL: one with many new leases in
        ``WRITERS``, see ``_write_in_parts``). ``previous``: the batch before it, still being
        written (PostgreSQL): this one decides meanwhile, on its own connection, and writes
        once that one is committed."""
        async with self.db.session() as session:
            async with self._deciding:  # in file order: a batch decides knowing the ones before
                plan = await self._decide(session, rows)
            if previous is not None:
                await previous
            await self._write(session, plan)
        self.known_contracts.update(hash(row.values["contract_ref"]) for row in plan.new_rows)
        for ref in plan.refs:
            self.known_tenant_refs.add(hash(ref))
            self.uncommitted_refs.pop(ref, None)

    async def _decide(self, session: AsyncSession, rows: list[Row]) -> _Plan:
        """Read what the rows may change and decide what to write. On PostgreSQL nothing is
        written yet: new places and rows are numbered from the sequences, and written by
        ``_write`` once the batches before are committed."""
        plan = _Plan(rows=rows, now=self.clock.now())
        now = plan.now
        await self.estate.resolve(session, rows, plan.places if self.db.is_postgres else None)
        refs = [ref for r in rows if hash(ref := r.values["contract_ref"]) in self.known_contracts]
        leases = {lease.contract_ref: lease for lease in
                  (await session.scalars(select(Lease).where(Lease.contract_ref.in_(refs)))).all()
                  } if refs else {}
        tenant_ids = {lease.tenant_id for lease in leases.values()}
        tenant_refs = {ref for r in rows
                       if (ref := r.values.get("tenant_ref")) and hash(ref) in self.known_tenant_refs}
        tenants: dict[int, Tenant] = {}
        # Tenant, or a household created in this batch or in one not committed yet.
        by_ref: dict[str, Any] = {ref: household for r in rows
                                  if (ref := r.values.get("tenant_ref"))
                                  and (household := self.uncommitted_refs.get(ref)) is not None}
        if tenant_ids or tenant_refs:
            found = await session.scalars(select(Tenant).where(
                Tenant.id.in_(tenant_ids) | Tenant.tenant_ref.in_(tenant_refs)))
            for t in found.all():
                tenants[t.id] = t  # type: ignore[index]  # a loaded row has its id
                if t.tenant_ref:
                    by_ref[t.tenant_ref] = t
        phones: dict[int, list[Phone]] = {}
        if tenants:
            for p in (await session.scalars(select(Phone).where(Phone.tenant_id.in_(list(tenants))))).all():
                phones.setdefault(p.tenant_id, []).append(p)
        plan.opt_states = await self.sms_wishes.states(session, rows)

        # New rows are plain tuples inserted in bulk: building ORM objects for them costs
        # more than the database does.
        for row in rows:
            v = row.values
            lease: Any = leases.get(v["contract_ref"])
            changes: dict[str, list[Any]] = {}
            if lease is None:
                tenant = by_ref.get(v.get("tenant_ref") or "")
                if tenant is None:
                    tenant = new_tenant(v.get("tenant_ref"), v["last_name"], now)
                    plan.new_tenants.append(tenant)
                    if tenant.tenant_ref:
                        by_ref[tenant.tenant_ref] = tenant
                        plan.refs.append(tenant.tenant_ref)
                plan.new_rows.append(row)
            else:
                tenant = tenants[lease.tenant_id]
                ref = v.get("tenant_ref")
                if ref and tenant.tenant_ref is None and ref not in by_ref:
                    changes["tenant_ref"] = [None, ref]
                    tenant.tenant_ref = ref
                    by_ref[ref] = tenant
                    plan.refs.append(ref)
                self._apply_lease(row, lease, changes)
            row.tenant = tenant
            # An anonymised household (RGPD) is never refilled from the landlord's file.
            if self._owns_household(row) and not is_anonymised(tenant):
                self._apply_tenant(row, changes, now)
                existing = phones.get(tenant.id, []) if tenant.id is not None else []
                self._sync_phones(session, row, existing, changes, plan.new_phones)
            if lease is None:
                self.report.created += 1
            elif changes:
                lease.updated_at = now
                plan.changed_ids.append(lease.id)
                session.add(LeaseChange(lease_id=lease.id, at=now, source="import", changes=changes))
                if "lease_end" in changes and changes["lease_end"][0] is None:
                    self.report.ended += 1
                else:
                    self.report.updated += 1
            else:
                self.report.unchanged += 1
        for ref in plan.refs:  # the next batch may decide before this one is committed
            self.uncommitted_refs[ref] = by_ref[ref]

        tenant_ids_, plan.lease_ids = await reserve_ids(  # PostgreSQL: one query for both; SQLite: None
            session, [(Tenant.__table__, len(plan.new_tenants)), (Lease.__table__, len(plan.new_rows))])
        if tenant_ids_ is not None:
            for household, id_ in zip(plan.new_tenants, tenant_ids_, strict=True):
                household.id = id_
        return plan

    async def _write(self, session: AsyncSession, plan: _Plan) -> None:
        now = plan.now
        for table, columns, values in plan.places:  # PostgreSQL: the places decided, level by level
            await insert_rows(session, table, columns, values)
        await session.flush()  # the updates and removed numbers of existing rows
        if plan.lease_ids is not None and len(plan.new_rows) >= SPLIT_AT:
            await self._write_in_parts(session, plan)
        else:
            reserved = [t.id for t in plan.new_tenants] if plan.lease_ids is not None else None
            for tenant, id_ in zip(plan.new_tenants, await insert_numbered(
                    session, Tenant.__table__, TENANT_COLUMNS, [tenant_values(t) for t in plan.new_tenants],
                    reserved), strict=True):  # PostgreSQL: numbered when decided
                tenant.id = id_
            lease_ids = await insert_numbered(session, Lease.__table__, LEASE_COLUMNS,
                                              [_lease_values(row, now) for row in plan.new_rows], plan.lease_ids)
            await insert_rows(session, Phone.__table__, PHONE_COLUMNS, [
                (household.id, e164, kind, True, "import", now) for household, e164, kind in plan.new_phones])
            if call_ids := lease_ids + plan.changed_ids:
                await _leases_changed(session, now.astimezone(self.tz).date(), call_ids)
            # One transaction for the batch and what the features made of it (call tasks).
            await session.commit()
        for row in plan.rows:  # households now all have their ids
            self.sms_wishes.note(row, plan.opt_states)

    async def _write_in_parts(self, session: AsyncSession, plan: _Plan) -> None:
        """PostgreSQL, a batch of many new leases: the new households, their leases, phones
        and call tasks in ``WRITERS`` transactions side by side, a household's rows all in one;
        what changed on record (updates, numbers added to known households, their call tasks)
        goes with the first, and is committed before the others start when the batch created
        places (the other transactions' leases name them). A lease costs PostgreSQL ~40 µs, most of it its
        six foreign-key checks, on one backend: two backends write it while Python parses.
        If one part fails the others may be committed: importing the file again completes it
        (the rows already written are found unchanged), as after a failure between batches."""
        now, today = plan.now, plan.now.astimezone(self.tz).date()
        await insert_rows(session, Phone.__table__, PHONE_COLUMNS, [
            (household.id, e164, kind, True, "import", now) for household, e164, kind in plan.new_phones
            if not isinstance(household, NewTenant)])
        if plan.changed_ids:
            await _leases_changed(session, today, plan.changed_ids)
        if plan.places:  # the other parts' leases name them: committed first
            await session.commit()

        assert plan.lease_ids is not None
        created = {id(t) for t in plan.new_tenants}  # households of this batch, not the one before
        part_of: dict[int, int] = {}  # a household of this batch -> its part
        parts: list[_Part] = [_Part() for _ in range(WRITERS)]
        for row, lease_id in zip(plan.new_rows, plan.lease_ids, strict=True):
            tenant = row.tenant
            part = part_of.get(id(tenant))
            if part is None:
                part = min(range(WRITERS), key=lambda i: len(parts[i].leases))
                if id(tenant) in created:
                    part_of[id(tenant)] = part
                    parts[part].tenants.append((tenant.id, *tenant_values(tenant)))
            parts[part].leases.append((lease_id, *_lease_values(row, now)))
        for household, e164, kind in plan.new_phones:
            if isinstance(household, NewTenant):
                parts[part_of.get(id(household), 0)].phones.append((household.id, e164, kind, True, "import", now))

        async def write(part_session: AsyncSession, part: _Part) -> None:
            await insert_rows(part_session, Tenant.__table__, ("id", *TENANT_COLUMNS), part.tenants)
            await insert_rows(part_session, Lease.__table__, ("id", *LEASE_COLUMNS), part.leases)
            await insert_rows(part_session, Phone.__table__, PHONE_COLUMNS, part.phones)
            await _leases_changed(part_session, today, [lease[0] for lease in part.leases])
            await part_session.commit()

        async def write_apart(part: _Part) -> None:
            async with self.db.session() as other:
                await write(other, part)

        async with asyncio.TaskGroup() as group:  # one failing cancels the others
            group.create_task(write(session, parts[0]))
            for other in parts[1:]:
                group.create_task(write_apart(other))

    def _owns_household(self, row: Row) -> bool:
        tenant = row.tenant
        assert tenant is not None
        if tenant.tenant_ref:
            seen: set[Any] = self.seen_tenant_refs
            key: Any = tenant.tenant_ref
        elif tenant.id is not None:
            seen, key = self.seen_tenant_ids, tenant.id
        else:
            return True  # a new household without a reference: no other row can name it
        if key in seen:
            return False
        seen.add(key)
        return True

    def _apply_lease(self, row: Row, lease: Lease, changes: dict[str, list[Any]]) -> None:
        """Copy the row onto the lease, noting in ``changes`` what differs (names for places)."""
        v = row.values
        updates: dict[str, Any] = {}
        for f in ESTATE_FIELDS:
            if f in self.present or f in ("agency", "residence"):
                updates[f"{f}_id"] = row.estate[f]
        for f in (*LEASE_TEXT_FIELDS, "lease_start", "lease_end"):
            if f in self.present:
                updates[f] = v[f]
        if "monthly_rent_cents" in v:  # column present and readable
            updates["monthly_rent_cents"] = v["monthly_rent_cents"]
        for attr, new in updates.items():
            old = getattr(lease, attr, None)
            if old != new:
                if lease.id is not None:
                    if attr.endswith("_id"):
                        kind = attr[:-3]
                        names = [self.estate.name(kind, old), self.estate.name(kind, new)]
                        if names[0] != names[1]:  # same name under a new parent: the parent says it
                            changes[kind] = names
                    else:
                        changes[attr] = [_json(old), _json(new)]
                setattr(lease, attr, new)

    def _apply_tenant(self, row: Row, changes: dict[str, list[Any]], now: Any) -> None:
        tenant = row.tenant
        assert tenant is not None
        for f in TENANT_FIELDS:
            if f not in row.values:  # column absent from the file, or unreadable cell
                continue
            old, new = getattr(tenant, f), row.values[f]
            if old != new:
                if tenant.id is not None:
                    changes[f] = [old, new]
                    tenant.updated_at = now
                setattr(tenant, f, new)

    def _sync_phones(self, session: AsyncSession, row: Row, existing: list[Phone],
                     changes: dict[str, list[Any]], new_phones: list[tuple[Any, str, str]]) -> None:
        """The file owns the numbers it brought (source "import"); numbers added by advisers
        stay. A refused number in the row keeps the ones on record: a typo must not cost a
        tenant the phone that worked."""
        if not ({"mobile_phone", "landline_phone"} & self.present):
            return
        wanted = {p.e164: p.kind for p in row.phones}
        known = {p.e164 for p in existing}
        added = {number for number in wanted if number not in known}
        if row.tenant is not None and row.tenant.id is None:  # a household of this batch
            for number in sorted(added, key=str):
                new_phones.append((row.tenant, number, wanted[number]))
            return
        before = {p.e164 for p in existing if p.source == "import"}
        for number in sorted(added, key=str):
            new_phones.append((row.tenant, number, wanted[number]))
        removed: set[str] = set()
        if row.phones_complete:
            for p in existing:
                if p.source == "import" and p.e164 not in wanted:
                    session.sync_session.delete(p)
                    removed.add(p.e164)
        after = (before - removed) | added
        if after != before:
            changes["phones"] = [sorted(before), sorted(after)]

    async def finish(self) -> ImportReport:
        recorded = await self.sms_wishes.record(self.db, at=self.clock.now(), user_id=self.user_id)
        async with self.db.session() as session:
            session.add(AuditEvent(at=self.clock.now(), user_id=self.user_id, action="import_tenants",
                                   object_type="tenant_file", details=self.report.counts()))
            await session.commit()
        # New rows by the thousand: the planner needs fresh statistics (launch, preview), for
        # the tables an import writes only (not the outbox's millions of rows). A file that
        # changed nothing (the same export again) leaves them as they were.
        if recorded or self.report.created or self.report.updated or self.report.ended:
            await self.db.refresh_statistics(IMPORTED_TABLES)
        return self.report



def _lease_values(row: Row, now: datetime) -> tuple[Any, ...]:
    """A new lease's columns (``LEASE_COLUMNS``): what ``_apply_lease`` would copy onto an
    empty lease (a column absent from the file, or an unreadable rent, stays empty)."""
    v, estate = row.values, row.estate
    assert row.tenant is not None and row.tenant.id is not None
    return (v["contract_ref"], row.tenant.id, estate["agency"], estate["local_office"], estate["residence"],
            estate["building"], estate["entrance"], v.get("floor"), v.get("dwelling_ref"), v.get("address"),
            v.get("postcode"), v.get("city"), v["lease_start"], v.get("lease_end"), v.get("monthly_rent_cents"),
            now, now)


async def _leases_changed(session: AsyncSession, today: date, lease_ids: list[int]) -> None:
    """Tell the features about the new and changed leases (the calls make courtesy-call
    tasks for those that qualify)."""
    for react in hooks.LEASES_CHANGED.handlers():
        await react(session, today=today, lease_ids=lease_ids)
