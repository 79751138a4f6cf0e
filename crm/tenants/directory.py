"""Tenants as the service shows them: the searchable list (one row per household with its
current lease) and the detail of one household.

Kept apart from the views so that pages, API and exports share one reading of the data.
The list stays fast on large estates: one query for the page, one for the count, then the
phones and opt-outs of the page's tenants in one batch each (no query per row).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import ColumnElement, LargeBinary, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.models import (
    Agency,
    Building,
    Entrance,
    Lease,
    Phone,
    PhoneKind,
    Residence,
    Tenant,
)
from crm.tenants.optouts import opted_out_numbers
from crm.text import strip_accents
from crm.timeline import opt_out_events, tenant_timeline

# --- searching ---------------------------------------------------------------------------

# Accents folded in SQL, without PostgreSQL's unaccent extension: translate() there; on
# SQLite nested replace() calls, limited to French letters because SQLite's parser refuses
# deeper nesting. lower() may fold only ASCII (SQLite, "C" collations): capitals listed too.
_ACCENTED = "àâäáçéèêëîïíôöóùûüúÿÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ"
_PLAIN = "aaaaceeeeiiiooouuuuyaaaceeeeiioouuu"
_SQLITE_ACCENTS = "éèêëàâçîïôöûùüÉÈÊÀÇÎ"


def fold(text: str) -> str:
    """Lower case without accents: ``Hélène`` → ``helene``."""
    return strip_accents(text.lower())


def _fold_sql(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.translate(func.lower(column), _ACCENTED, _PLAIN)
    expr = func.lower(column)
    for char in _SQLITE_ACCENTS:
        expr = func.replace(expr, char, fold(char))
    return expr


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def query_phone(q: str) -> str | None:
    """The E.164 form of a search that looks like a phone number (``06 12 34 56 78``,
    ``+33 6…``, ``0033 6…``), else None."""
    if not re.fullmatch(r"[\d\s.+()-]{8,}", q):
        return None
    try:
        number = phonenumbers.parse(q, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name_matches(column: Any, word: str, dialect: str) -> ColumnElement[bool]:
    """``word`` (folded) in the name. The costly accent folding only runs for names with
    non-ASCII letters (more bytes than characters); plain names are matched directly
    (SQLite's LIKE ignores ASCII case by itself)."""
    pattern = f"%{_like_escape(word)}%"
    if dialect == "postgresql":
        plain = func.lower(column).like(pattern, escape="\\")
        non_ascii = func.octet_length(column) != func.length(column)
    else:
        plain = column.like(pattern, escape="\\")
        non_ascii = func.length(cast(column, LargeBinary)) != func.length(column)
    return or_(plain, and_(non_ascii, _fold_sql(column, dialect).like(pattern, escape="\\")))


def _search_condition(q: str, dialect: str) -> ColumnElement[bool]:
    """Every word of ``q`` in the names, or ``q`` in the contract reference, or a phone.

    Names and phones are matched in uncorrelated subqueries, evaluated once per search
    rather than once per lease."""
    conditions: list[ColumnElement[bool]] = []
    words = [fold(w) for w in q.split() if w]
    # A word without letters ("06", "12") is in no name: skip the name scan altogether.
    if words and all(any(c.isalpha() for c in w) for w in words):
        t = aliased(Tenant)
        conditions.append(Tenant.id.in_(select(t.id).where(*[
            or_(_name_matches(t.last_name, w, dialect), _name_matches(t.first_name, w, dialect))
            for w in words
        ])))
    ref = Lease.contract_ref if dialect != "postgresql" else func.lower(Lease.contract_ref)
    conditions.append(ref.like(f"%{_like_escape(q.lower())}%", escape="\\"))
    e164 = query_phone(q)
    if e164:
        conditions.append(Tenant.id.in_(select(Phone.tenant_id).where(Phone.e164 == e164)))
    else:
        digits = re.sub(r"\D", "", q)
        if len(digits) >= 4 and len(digits) == len(q.replace(" ", "").replace(".", "")):
            # A partial number ("56 78"): compare the significant digits.
            conditions.append(Tenant.id.in_(
                select(Phone.tenant_id).where(Phone.e164.like(f"%{digits.lstrip('0')}%"))))
    return or_(*conditions)


# --- the list ----------------------------------------------------------------------------


@dataclass
class TenantFilters:
    agency_id: int | None = None  # already scoped by the caller's principal
    residence_id: int | None = None
    building_id: int | None = None
    q: str | None = None
    dialect: str = "sqlite"  # how to fold accents in SQL


def _current_lease() -> ColumnElement[bool]:
    """The tenant's latest lease (latest start, then latest id): one row per household."""
    later = aliased(Lease)
    return ~exists().where(
        later.tenant_id == Lease.tenant_id,
        or_(later.lease_start > Lease.lease_start,
            and_(later.lease_start == Lease.lease_start, later.id > Lease.id)),
    )


def _conditions(f: TenantFilters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.agency_id is not None:
        conds.append(Lease.agency_id == f.agency_id)
    if f.residence_id is not None:
        conds.append(Lease.residence_id == f.residence_id)
    if f.building_id is not None:
        conds.append(Lease.building_id == f.building_id)
    if f.q and f.q.strip():
        conds.append(_search_condition(f.q.strip(), f.dialect))
    conds.append(_current_lease())  # last: the costliest test, on the fewest rows
    return conds


def _ref(id_: int | None, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None else {"id": id_, "name": name}


def _rows_query():  # type: ignore[no-untyped-def]
    return (
        select(Tenant, Lease, Agency.name, Residence.name, Building.name, Entrance.name)
        .join(Lease, Lease.tenant_id == Tenant.id)
        .join(Agency, Agency.id == Lease.agency_id)
        .join(Residence, Residence.id == Lease.residence_id)
        .outerjoin(Building, Building.id == Lease.building_id)
        .outerjoin(Entrance, Entrance.id == Lease.entrance_id)
    )


async def _items(session: AsyncSession, rows: list[Any]) -> list[dict[str, Any]]:
    """List items for rows of ``_rows_query``, phones and opt-outs fetched in one batch."""
    ids = [row[0].id for row in rows]
    phones: dict[int, list[Phone]] = defaultdict(list)
    if ids:
        for ph in await session.scalars(select(Phone).where(Phone.tenant_id.in_(ids)).order_by(Phone.id)):
            phones[ph.tenant_id].append(ph)
    mobiles = {tid: _pick(ps, (PhoneKind.MOBILE,)) for tid, ps in phones.items()}
    opted_out = await opted_out_numbers(session, [m for m in mobiles.values() if m])
    return [_item(row, phones.get(row[0].id, []), opted_out) for row in rows]


def _item(row: Any, phones: list[Phone], opted_out: set[str]) -> dict[str, Any]:
    """One household of the list: its current lease, the numbers to show."""
    tenant, lease, agency_name, residence_name, building_name, entrance_name = row
    mobile = _pick(phones, (PhoneKind.MOBILE,))
    return {
        "id": tenant.id,
        "civility": tenant.civility,
        "first_name": tenant.first_name,
        "last_name": tenant.last_name,
        "contract_ref": lease.contract_ref,
        "lease_start": lease.lease_start,
        "lease_end": lease.lease_end,
        "agency": _ref(lease.agency_id, agency_name),
        "residence": _ref(lease.residence_id, residence_name),
        "building": _ref(lease.building_id, building_name),
        "entrance": _ref(lease.entrance_id, entrance_name),
        "mobile": mobile,
        "landline": _pick(phones, (PhoneKind.LANDLINE, PhoneKind.OTHER)),
        "sms_opted_out": mobile in opted_out if mobile else False,
        "reduced_mobility": tenant.reduced_mobility,
    }


def _pick(phones: list[Phone], kinds: tuple[str, ...]) -> str | None:
    """The number to show for these kinds: a working one first."""
    candidates = [p for p in phones if p.kind in kinds]
    candidates.sort(key=lambda p: not p.valid)
    return candidates[0].e164 if candidates else None


async def list_tenants(
    session: AsyncSession, filters: TenantFilters, page: int, per_page: int
) -> tuple[list[dict[str, Any]], int]:
    """One page of households (with their current lease) and the total count."""
    filters.dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    conds = _conditions(filters)
    total = await session.scalar(
        select(func.count()).select_from(Lease).join(Tenant, Tenant.id == Lease.tenant_id).where(*conds)
    )
    rows = (
        await session.execute(
            _rows_query().where(*conds)
            .order_by(Tenant.last_name, Tenant.first_name, Tenant.id)
            .offset((page - 1) * per_page).limit(per_page)
        )
    ).all()
    return await _items(session, list(rows)), int(total or 0)


# --- one tenant ----------------------------------------------------------------------------


@dataclass
class TenantRecord:
    """A household as loaded from the database: the tenant and its leases with their places'
    names (newest first). Enough to check who may see it before loading the rest."""
    tenant: Tenant
    rows: list[Any]  # rows of ``_rows_query``: (tenant, lease, agency, residence, building, entrance)

    @property
    def agency_ids(self) -> set[int]:
        return {row[1].agency_id for row in self.rows}


async def load_tenant(session: AsyncSession, tenant_id: int) -> TenantRecord | None:
    """The household and its leases; None when the tenant does not exist."""
    rows = list((await session.execute(
        _rows_query().where(Tenant.id == tenant_id)
        .order_by(Lease.lease_start.desc(), Lease.id.desc())
    )).all())
    tenant = rows[0][0] if rows else await session.get(Tenant, tenant_id)
    return None if tenant is None else TenantRecord(tenant, rows)


async def tenant_agencies(session: AsyncSession, tenant_id: int) -> set[int] | None:
    """The agencies of the tenant's leases; None when the tenant does not exist."""
    if await session.get(Tenant, tenant_id) is None:
        return None
    return set(await session.scalars(select(Lease.agency_id).where(Lease.tenant_id == tenant_id).distinct()))


async def tenant_detail(session: AsyncSession, tenant_id: int,
                        record: TenantRecord | None = None) -> dict[str, Any] | None:
    """The list fields (current lease), every lease, phones, opt-out history, timeline.
    Each table is read once (the timeline gets the leases and opt-outs read here)."""
    record = record or await load_tenant(session, tenant_id)
    if record is None:
        return None
    tenant, rows = record.tenant, record.rows
    phones = list(await session.scalars(select(Phone).where(Phone.tenant_id == tenant_id).order_by(Phone.id)))
    opted_out = await opted_out_numbers(session, [p.e164 for p in phones])
    if not rows:
        return _without_lease(tenant) | await _extras(session, tenant_id, [], [], phones, opted_out)
    detail = _item(rows[0], phones, opted_out)
    detail["email"] = tenant.email
    detail["tenant_ref"] = tenant.tenant_ref
    detail["anonymized_at"] = tenant.anonymized_at
    leases = [
        {
            "id": lease.id,
            "contract_ref": lease.contract_ref,
            "lease_start": lease.lease_start,
            "lease_end": lease.lease_end,
            "agency": _ref(lease.agency_id, an),
            "residence": _ref(lease.residence_id, rn),
            "building": _ref(lease.building_id, bn),
            "entrance": _ref(lease.entrance_id, en),
            "floor": lease.floor,
            "dwelling_ref": lease.dwelling_ref,
            "address": lease.address,
            "postcode": lease.postcode,
            "city": lease.city,
        }
        for _, lease, an, rn, bn, en in rows
    ]
    lease_rows = sorted((row[1] for row in rows), key=lambda lease: lease.id)
    return detail | await _extras(session, tenant_id, leases, lease_rows, phones, opted_out)


def _without_lease(tenant: Tenant) -> dict[str, Any]:
    return {
        "id": tenant.id, "civility": tenant.civility, "first_name": tenant.first_name,
        "last_name": tenant.last_name, "contract_ref": None, "lease_start": None, "lease_end": None,
        "agency": None, "residence": None, "building": None, "entrance": None, "mobile": None,
        "landline": None, "sms_opted_out": False, "reduced_mobility": tenant.reduced_mobility,
        "email": tenant.email, "tenant_ref": tenant.tenant_ref, "anonymized_at": tenant.anonymized_at,
    }


async def _extras(session: AsyncSession, tenant_id: int, leases: list[dict[str, Any]],
                  lease_rows: list[Lease], phones: list[Phone], opted_out: set[str]) -> dict[str, Any]:
    history = await opt_out_events(session, tenant_id)
    timeline = await tenant_timeline(session, tenant_id, leases=lease_rows, opt_outs=history)
    return {
        "leases": leases,
        "phones": [
            {"e164": p.e164, "kind": p.kind, "valid": p.valid, "source": p.source,
             "sms_opted_out": p.e164 in opted_out}
            for p in phones
        ],
        "opt_out_history": [
            {"at": e.at, "e164": e.e164, "opted_out": e.opted_out, "source": e.source, "note": e.note}
            for e in history
        ],
        "timeline": [entry.as_json() for entry in timeline],
    }
