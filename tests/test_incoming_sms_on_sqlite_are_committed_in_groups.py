"""On a SQLite file, plain replies arriving together are written in one transaction (group
commit, ``crm.sqlite_batch``): fewer commits than messages, every message stored once and
answered only after the commit holding it. A STOP and a "rappelez-moi" go the same way with
what they do (the opt-out history; the call booked). A write that fails in a group loses none
of the others, and its caller gets its error; a caller that goes away does not cancel the
group."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select

from crm.calls.models import CallTask, TaskKind
from crm.inbox.models import InboundMessage
from crm.models import OptOutEvent
from crm.sqlite_batch import SqliteBatchWriter
from tests.support.factories import make_lease
from tests.support.sms import (  # noqa: F401 - `settings` overrides the suite's fixture
    new_sid,
    post_sms,
    settings,
)


@pytest.fixture
def writer(db) -> SqliteBatchWriter:
    if db.batch_writer is None:
        pytest.skip("SQLite file only: PostgreSQL commits each plain reply by itself")
    return db.batch_writer


async def _count(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(InboundMessage))


async def test_replies_arriving_together_share_commits_and_are_all_stored(client, db, writer):
    mobiles = [f"+3361234{i:04d}" for i in range(30)]
    for mobile in mobiles:
        await make_lease(db, mobile=mobile)
    before = writer.batches
    answers = await asyncio.gather(*(post_sms(client, "Merci beaucoup", m) for m in mobiles))
    assert [a.status for a in answers] == [200] * len(mobiles)
    assert await _count(db) == len(mobiles)
    assert 1 <= writer.batches - before < len(mobiles)


async def test_replays_of_one_sid_in_one_group_store_one_row(client, db, writer):
    await make_lease(db, mobile="+33612340000")
    sid = new_sid()
    answers = await asyncio.gather(*(post_sms(client, "Merci", "+33612340000", sid=sid) for _ in range(8)))
    assert [a.status for a in answers] == [200] * 8
    assert await _count(db) == 1


async def _audit(writer: SqliteBatchWriter, action: str):
    def work(conn: sqlite3.Connection) -> int:
        cur = conn.execute("INSERT INTO audit_event (at, action) VALUES ('2026-01-01 00:00:00', ?)",
                           (action,))
        return cur.lastrowid

    return await writer.run(work)


async def test_a_failing_write_is_undone_alone_and_its_caller_gets_the_error(db, writer):
    def half_then_fail(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO audit_event (at, action) VALUES ('2026-01-01 00:00:00', 'half')")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    results = await asyncio.gather(_audit(writer, "first"), writer.run(half_then_fail),
                                   _audit(writer, "last"), return_exceptions=True)
    assert isinstance(results[0], int) and isinstance(results[2], int)
    assert isinstance(results[1], sqlite3.OperationalError)
    with sqlite3.connect(db.engine.url.database) as check:
        actions = [row[0] for row in check.execute("SELECT action FROM audit_event ORDER BY id")]
    assert actions == ["first", "last"]


async def test_a_caller_that_goes_away_does_not_cancel_its_write(db, writer):
    gone = asyncio.ensure_future(_audit(writer, "kept"))
    await asyncio.sleep(0)
    gone.cancel()
    await _audit(writer, "after")  # the next group runs once the first one is done
    with sqlite3.connect(db.engine.url.database) as check:
        actions = [row[0] for row in check.execute("SELECT action FROM audit_event ORDER BY id")]
    assert actions == ["kept", "after"]


async def test_a_stop_is_written_in_a_group_with_its_history(client, db, writer, clock):
    lease = await make_lease(db, mobile="+33612340000")
    before = writer.batches
    first = await post_sms(client, "STOP", "+33612340000")
    assert "ne recevrez plus de SMS" in await first.text()
    assert writer.batches == before + 1  # message, event and cancellation in one group commit
    again = await post_sms(client, "Stop", "+33612340000")
    assert "<Message>" not in await again.text()  # confirmed once
    async with db.session() as s:
        events = list(await s.scalars(select(OptOutEvent).order_by(OptOutEvent.id)))
    assert [(e.e164, e.opted_out, e.tenant_id, e.at) for e in events] == [
        ("+33612340000", True, lease.tenant_id, clock.now())] * 2
    assert await _count(db) == 2


async def _tasks(db) -> list[CallTask]:
    async with db.session() as s:
        return list(await s.scalars(select(CallTask).order_by(CallTask.id)))


async def test_a_callback_request_is_written_in_a_group_with_its_call(client, db, writer, clock):
    lease = await make_lease(db, mobile="+33612340000")
    before = writer.batches
    sid = new_sid()
    first = await post_sms(client, "Pouvez-vous me rappeler svp", "+33612340000", sid=sid)
    assert "un conseiller de votre agence vous rappelle" in await first.text()
    assert writer.batches == before + 1  # message and call in one group commit
    [task] = await _tasks(db)
    assert (task.lease_id, task.kind, task.requested_by_sms, task.callback_at) == (
        lease.id, TaskKind.CALLBACK, True, clock.now())
    replay = await post_sms(client, "Pouvez-vous me rappeler svp", "+33612340000", sid=sid)
    assert "<Message>" not in await replay.text()  # a replayed MessageSid books nothing
    assert len(await _tasks(db)) == 1 and await _count(db) == 1


async def test_callback_requests_together_book_one_call_per_lease(client, db, writer):
    leases = [await make_lease(db, mobile=f"+3361234{i:04d}") for i in range(6)]
    answers = await asyncio.gather(*(post_sms(client, "rappelez-moi", f"+3361234{i:04d}")
                                     for i in range(6) for _ in range(2)))
    texts = [await a.text() for a in answers]
    assert all("vous rappelle" in text for text in texts)
    tasks = await _tasks(db)
    assert sorted(t.lease_id for t in tasks) == sorted(lease.id for lease in leases)
    assert await _count(db) == 12


async def test_a_callback_request_without_an_active_lease_is_stored_without_a_call(client, db, writer):
    answer = await post_sms(client, "rappelez-moi", "+33699999999")  # nobody's number
    assert "<Message>" not in await answer.text()
    assert await _tasks(db) == [] and await _count(db) == 1
