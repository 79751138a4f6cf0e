"""On SQLite every statement SQLAlchemy runs is one trip to aiosqlite's thread
(``crm.sqlite_drivers``: cursor opened, statement run, rows read, cursor closed there),
not four, and SQLAlchemy sees the same results: rows, RETURNING rows, row counts of
UPDATE and DELETE, the last row id, executemany, errors as its own exceptions, and
``stream()`` (the server-side cursor, left as SQLAlchemy made it)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from crm.models import AuditEvent


@pytest.fixture
def sqlite(db):
    if not db.is_sqlite:
        pytest.skip("SQLite only")
    return db


async def _trips(db, work) -> int:
    """Calls queued to aiosqlite's thread while ``work(session)`` runs (connection ready)."""
    async with db.session() as s:
        conn = await s.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        queued = driver._execute
        count = 0

        async def counting(fn, *args, **kwargs):
            nonlocal count
            count += 1
            return await queued(fn, *args, **kwargs)

        driver._execute = counting
        try:
            await work(s)
        finally:
            del driver._execute
        return count


async def test_a_select_is_one_trip(sqlite):
    async def work(s):
        assert (await s.execute(text("SELECT 1, 2"))).all() == [(1, 2)]
    assert await _trips(sqlite, work) == 1


async def test_results_are_those_sqlalchemy_expects(sqlite, clock):
    async with sqlite.session() as s:
        result = await s.execute(insert(AuditEvent).values(at=clock.now(), action="a"))
        assert result.inserted_primary_key[0] is not None  # lastrowid
        await s.execute(insert(AuditEvent), [{"at": clock.now(), "action": "b"},
                                              {"at": clock.now(), "action": "b"}])  # executemany
        returned = (await s.execute(update(AuditEvent).where(AuditEvent.action == "b")
                                    .values(action="c").returning(AuditEvent.id))).all()
        assert len(returned) == 2
        assert (await s.execute(delete(AuditEvent).where(AuditEvent.action == "c"))).rowcount == 2
        assert (await s.execute(update(AuditEvent).values(action="d"))).rowcount == 1
        streamed = [row async for row in await s.stream(select(AuditEvent.action))]
        assert streamed == [("d",)]
        await s.commit()


async def test_errors_are_sqlalchemy_errors_and_the_session_goes_on(sqlite, clock):
    async with sqlite.session() as s:
        with pytest.raises(IntegrityError):
            await s.execute(insert(AuditEvent).values(at=clock.now(), action=None))  # NOT NULL
        await s.rollback()
        assert (await s.execute(text("SELECT 3"))).scalar_one() == 3
