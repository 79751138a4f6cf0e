"""Rows created by an import, inserted in bulk: plain tuples through the driver's executemany,
and the ids the database gives them."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

BATCH_SIZE = 1500  # rows per transaction: fewer round trips than 1,000, and 100,000 rows under 200 MB


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


TENANT_COLUMNS = ("tenant_ref", "civility", "first_name", "last_name", "email", "reduced_mobility",
                  "created_at", "updated_at")


def new_tenant(tenant_ref: str | None, last_name: str, now: datetime) -> NewTenant:
    return NewTenant(tenant_ref=tenant_ref, last_name=last_name, created_at=now, updated_at=now)


def tenant_values(t: NewTenant) -> tuple[Any, ...]:
    return (t.tenant_ref, t.civility, t.first_name, t.last_name, t.email, t.reduced_mobility,
            t.created_at, t.updated_at)


# SQLite's default limit on a statement's parameters since 3.32 (999 before).
SQLITE_MAX_PARAMETERS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999


@dataclass(frozen=True, slots=True)
class _Insert:
    sql: str  # a one-row INSERT (PostgreSQL: its columns only, for COPY)
    head: str  # SQLite: "INSERT INTO t (columns) VALUES ", the rows' groups follow
    group: str  # SQLite: "(?, ?, …)", one row's placeholders
    # (position, the column type's bind processor): what SQLAlchemy would do to each value.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    def rows(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """The rows as the driver takes them. A column's processor runs once per distinct
        value (a batch's timestamps are all "now", its dates repeat)."""
        if not self.processors:
            return list(rows)
        columns = [list(column) for column in zip(*rows, strict=True)]
        for i, process in self.processors:
            done = {value: process(value) for value in set(columns[i]) if value is not None}
            columns[i] = [None if value is None else done[value] for value in columns[i]]
        return list(zip(*columns, strict=True))


    def statements(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[str, tuple[Any, ...]]]:
        """SQLite: the rows as multi-row INSERTs (``(sql, flat parameters)``). One statement
        is stepped by SQLite without the GIL: executemany takes the GIL back after every row,
        and waited for it while the event loop parsed the next batch, so the writes never ran
        beside the parse. Statements hold a power of two of rows, within SQLite's parameter
        limit: a few distinct texts, each prepared once and kept in the driver's statement
        cache (a text per batch size would fill it with large statements: +30 MB)."""
        rows = self.rows(rows)
        if not rows:
            return []
        most = max(1, SQLITE_MAX_PARAMETERS // len(rows[0]))
        out = []
        start = 0
        while start < len(rows):
            size = 1 << (min(most, len(rows) - start).bit_length() - 1)  # largest power of two that fits
            chunk = rows[start:start + size]
            out.append((_rows_sql(self.head, self.group, size), tuple(value for row in chunk for value in row)))
            start += size
        return out


@functools.lru_cache(maxsize=256)
def _rows_sql(head: str, group: str, size: int) -> str:
    return head + ", ".join([group] * size)


@functools.lru_cache(maxsize=64)
def _insert(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> _Insert:
    processors = []
    for i, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((i, process))
    head = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
            f"({', '.join(dialect.identifier_preparer.quote(c) for c in columns)}) VALUES ")
    group = f"({', '.join('?' for _ in columns)})"
    return _Insert(head + group, head, group, tuple(processors))


async def insert_rows(session: AsyncSession, table: Table, columns: Sequence[str],
                      rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert plain tuples (values in ``columns`` order) with no per-row work in SQLAlchemy,
    which costs more than the database does; the columns' bind processors are applied here.

    SQLite: one prepared INSERT stepped by sqlite3's executemany (in C). PostgreSQL: COPY
    (binary) through asyncpg, in the session's transaction: one statement whatever the
    number of rows, and no per-value checks (an INSERT of unnest() arrays costs the client
    three times as much)."""
    if not rows:
        return
    conn = await session.connection()
    insert = _insert(conn.dialect, table, tuple(columns))
    if conn.dialect.name != "postgresql":
        for sql, parameters in insert.statements(rows):
            await conn.exec_driver_sql(sql, parameters)
        return
    raw = await conn.get_raw_connection()
    # SQLAlchemy's asyncpg adapter sends BEGIN with the transaction's first statement: COPY
    # on the bare driver must not be that statement, or it would commit on its own.
    if getattr(raw.dbapi_connection, "_transaction", None) is None:
        await conn.exec_driver_sql("SELECT 1")
    await raw.driver_connection.copy_records_to_table(  # an asyncpg connection
        table.name, schema_name=table.schema, columns=list(columns), records=insert.rows(rows))


async def insert_numbered(session: AsyncSession, table: Table, columns: Sequence[str],
                          rows: Sequence[tuple[Any, ...]], ids: list[int] | None = None) -> list[int]:
    """Insert rows in bulk; their ids, in the order of ``rows``.

    PostgreSQL: the ids are taken from the table's sequence first (one query; or given, from
    ``reserve_ids``), then written with the rows. SQLite: the rows of one transaction are
    numbered one after the other (the write lock is held from its first write to its end: no
    one else inserts in between), so the last id gives them all; a check on the ids guards
    that assumption.
    """
    if not rows:
        return []
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        if ids is None:
            ids = (await reserve_ids(session, [(table, len(rows))]))[0]
            assert ids is not None  # PostgreSQL always reserves
        await insert_rows(session, table, ("id", *columns), [(id_, *row) for id_, row in zip(ids, rows, strict=True)])
        return ids
    await insert_rows(session, table, columns, rows)
    name = conn.dialect.identifier_preparer.format_table(table)
    last, count, highest = tuple((await conn.exec_driver_sql(
        f"SELECT last_insert_rowid(), count(*), max(id) FROM {name} WHERE id > last_insert_rowid() - ?",
        (len(rows),))).one())
    first = last - len(rows) + 1
    if count != len(rows) or highest != last:
        raise RuntimeError(f"unexpected {table.name} ids from a bulk insert")
    return list(range(first, last + 1))


async def reserve_ids(session: AsyncSession, wanted: Sequence[tuple[Table, int]]) -> list[list[int] | None]:
    """PostgreSQL: ``n`` ids from each table's sequence, for all the tables in one query (for
    ``insert_numbered``). SQLite numbers rows as it inserts them: None for each table."""
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        return [None for _ in wanted]
    if not any(n for _, n in wanted):
        return [[] for _ in wanted]
    # One array of ids per table; OFFSET 0 keeps the sequence's lookup out of the per-row work.
    columns = ", ".join(
        f"(SELECT array_agg(nextval(s.seq)) FROM (SELECT pg_get_serial_sequence(${2 * i + 1}, 'id')::regclass "
        f"AS seq OFFSET 0) s, generate_series(1, ${2 * i + 2}))" for i in range(len(wanted)))
    params: list[Any] = []
    for table, n in wanted:
        params += [conn.dialect.identifier_preparer.format_table(table), n]
    arrays = (await conn.exec_driver_sql(f"SELECT {columns}", tuple(params))).one()
    return [list(ids or ()) for ids in arrays]
