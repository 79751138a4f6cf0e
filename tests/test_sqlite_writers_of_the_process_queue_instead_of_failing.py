"""SQLite takes one writer at a time: the process's writers queue on one lock
(``crm.db.SqliteWriteLock``) instead of meeting "database is locked". Reads do not take
it, a nested session of the holder does not wait for it, and every way a transaction
ends gives it back."""

import asyncio

import pytest
from sqlalchemy import event, func, select, text

from crm.db import Database
from crm.models import AuditEvent

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def impatient(database_url):
    """The test's database with SQLite's own waiting turned off: without the process
    lock, a second writer fails at once instead of polling the file lock."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL has row locks")
    database = Database(database_url)

    def no_busy_wait(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    event.listen(database.engine.sync_engine, "connect", no_busy_wait)
    yield database
    await database.dispose()


async def audited(database: Database, action: str) -> int:
    async with database.session() as s:
        return await s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


async def write(database: Database, clock, action: str) -> None:
    async with database.session() as s:
        s.add(AuditEvent(at=clock.now(), action=action))
        await s.flush()  # the write lock is held from here...
        await asyncio.sleep(0)  # ...while other writers get their turn to try
        await s.commit()


async def test_twenty_concurrent_writers_all_commit(impatient, clock):
    await asyncio.wait_for(asyncio.gather(*(write(impatient, clock, "w") for _ in range(20))), 30)
    assert await audited(impatient, "w") == 20
    assert not impatient.write_lock.held


async def test_readers_do_not_wait_for_a_writer(impatient, clock):
    async with impatient.session() as writer:
        writer.add(AuditEvent(at=clock.now(), action="held"))
        await writer.flush()
        assert impatient.write_lock.held
        # Another task reads meanwhile (WAL: it sees the last committed state).
        assert await asyncio.wait_for(asyncio.create_task(audited(impatient, "held")), 5) == 0
        # A nested session of the holder reads too, without waiting for itself.
        async with impatient.session() as nested:
            assert await asyncio.wait_for(nested.scalar(text("SELECT 1")), 5) == 1
        await writer.commit()
    assert not impatient.write_lock.held
    assert await audited(impatient, "held") == 1


async def test_a_rollback_an_error_or_a_session_closed_unfinished_gives_the_lock_back(impatient, clock):
    async with impatient.session() as s:
        s.add(AuditEvent(at=clock.now(), action="rolled back"))
        await s.flush()
        await s.rollback()
    assert not impatient.write_lock.held

    with pytest.raises(RuntimeError):
        async with impatient.session() as s:
            s.add(AuditEvent(at=clock.now(), action="failed"))
            await s.flush()
            raise RuntimeError("a bug in the middle of a transaction")
    assert not impatient.write_lock.held

    async with impatient.session() as s:
        s.add(AuditEvent(at=clock.now(), action="forgotten"))
        await s.flush()  # closed without commit
    assert not impatient.write_lock.held

    await asyncio.wait_for(write(impatient, clock, "after"), 5)
    assert [await audited(impatient, a) for a in ("rolled back", "failed", "forgotten", "after")] == [0, 0, 0, 1]


async def test_a_core_transaction_and_a_nested_write_of_the_holder_do_not_deadlock(impatient, clock):
    async with impatient.engine.begin() as conn:
        await conn.execute(text("UPDATE user SET email = email WHERE id = -1"))
        assert impatient.write_lock.held
    assert not impatient.write_lock.held
    # The holder's own nested session writing after the outer one committed: no wait.
    async with impatient.session() as outer:
        outer.add(AuditEvent(at=clock.now(), action="outer"))
        await outer.commit()
        async with impatient.session() as inner:
            inner.add(AuditEvent(at=clock.now(), action="inner"))
            await asyncio.wait_for(inner.commit(), 5)
    assert [await audited(impatient, a) for a in ("outer", "inner")] == [1, 1]


async def queued(database: Database) -> None:
    """Until a writer waits for the lock: a counter, no event to wait on, so one loop turn
    at a time (the caller bounds it)."""
    while True:
        if database.write_lock.waiting:
            return
        await asyncio.sleep(0)


async def test_a_writer_cancelled_while_waiting_leaves_the_lock_usable(impatient, clock):
    async with impatient.session() as holder:
        holder.add(AuditEvent(at=clock.now(), action="holder"))
        await holder.flush()
        waiting = asyncio.create_task(write(impatient, clock, "cancelled"))
        await asyncio.wait_for(queued(impatient), 5)  # it waits for the lock now
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await holder.commit()
    assert not impatient.write_lock.held
    await asyncio.wait_for(write(impatient, clock, "after"), 5)
    assert [await audited(impatient, a) for a in ("holder", "cancelled", "after")] == [1, 0, 1]
