"""Rows created by an import, inserted in bulk: plain records and the ids the database gives them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

BATCH_SIZE = 1000  # rows per transaction


@dataclass(slots=True)
class NewTenant:
    """A household created by the batch being written, inserted in bulk (not an ORM object)."""
    tenant_ref: str | None
    last_name: str
    created_at: datetime
    updated_at: datetime
    civility: str | None = None
    first_name: str | None = None
    email: str | None = None
    reduced_mobility: bool = False
    anonymized_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class NewLease:
    """A lease created by the batch being written, inserted in bulk."""
    contract_ref: str
    lease_start: date
    created_at: datetime
    updated_at: datetime
    tenant_id: int | None = None
    agency_id: int | None = None
    local_office_id: int | None = None
    residence_id: int | None = None
    building_id: int | None = None
    entrance_id: int | None = None
    floor: str | None = None
    dwelling_ref: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    lease_end: date | None = None
    monthly_rent_cents: int | None = None
    id: int | None = None


def new_tenant(tenant_ref: str | None, last_name: str, now: datetime) -> NewTenant:
    return NewTenant(tenant_ref=tenant_ref, last_name=last_name, created_at=now, updated_at=now)


def new_lease(contract_ref: str, lease_start: date, now: datetime) -> NewLease:
    return NewLease(contract_ref=contract_ref, lease_start=lease_start, created_at=now, updated_at=now)


_COLUMNS = {cls: tuple(f.name for f in fields(cls) if f.name != "id") for cls in (NewTenant, NewLease)}


def number_records(records: list[NewTenant] | list[NewLease], ids: list[int]) -> None:
    for record, id_ in zip(records, ids, strict=True):
        record.id = id_


def values_of(record: NewTenant | NewLease) -> dict[str, Any]:
    """The record's columns for an INSERT (the database numbers it)."""
    return {name: getattr(record, name) for name in _COLUMNS[type(record)]}


async def insert_numbered(session: AsyncSession, model: Any, values: list[dict[str, Any]]) -> list[int]:
    """Insert rows in bulk; their ids, in the order of ``values``.

    A Core insert of plain dicts (every dict with the same keys) goes out as a few
    multi-row INSERTs; the ORM would split them wherever a value is None. PostgreSQL:
    SQLAlchemy ties the RETURNING rows to the parameters itself. SQLite: asking it to would
    insert row by row (8x slower), but SQLite numbers the rows of one INSERT in the order of
    its VALUES while it holds the write lock, so the sorted ids are the rows' ids; the
    contiguity check guards that assumption.
    """
    if not values:
        return []
    table = model.__table__
    if session.bind.dialect.name == "sqlite":
        ids = sorted((await session.scalars(insert(table).returning(table.c.id), values)).all())
        if len(ids) != len(values) or ids[-1] - ids[0] != len(ids) - 1:
            raise RuntimeError(f"unexpected {model.__name__} ids from a bulk insert")
        return ids
    return list((await session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), values)).all())
