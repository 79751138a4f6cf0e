"""On SQLite an incoming SMS never makes the event loop wait for the file: a plain reply, a
STOP or a callback request is written by precompiled statements in the next group commit,
on the writer's thread (``crm.sqlite_batch``), which waits for another process' writer
there; the rest (a START, a reply another feature reacts to) goes through a session whose
engine runs on the loop (``crm.db.LoopSqlite``), whose connections never wait for the file:
while another process holds SQLite's write lock, the SMS goes the usual way (aiosqlite's
thread, which waits), the loop keeps serving, and once the other writer commits the SMS is
stored once, acted upon, and nothing is left half-done on the loop's connections."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select

from crm.calls.models import CallTask
from crm.inbox.models import InboundMessage
from crm.tenants.optouts import is_opted_out
from tests.support.factories import make_lease
from tests.support.sms import (  # noqa: F401 - `settings` overrides the suite's fixture
    post_sms,
    settings,
)

MOBILE = "+33612345678"


@pytest.fixture
def sqlite_file(db):
    if db.on_loop is None:
        pytest.skip("SQLite file only: PostgreSQL has no such path")
    return db.engine.url.database


async def _other_process_writes(path: str) -> sqlite3.Connection:
    """A connection of "another process" holding SQLite's write lock."""
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO audit_event (at, action) VALUES ('2026-01-01 00:00:00', 'other')")
    return other


async def _stored(db) -> list[InboundMessage]:
    async with db.session() as s:
        return list(await s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


async def _answered_after_release(client, db, sqlite_file, body: str):
    other = await _other_process_writes(sqlite_file)
    posting = asyncio.create_task(post_sms(client, body, MOBILE))
    for _ in range(50):  # the request runs up to its wait for the file, the loop stays free
        await asyncio.sleep(0)
    assert not posting.done()
    assert await db.ping()  # /healthz's probe answers meanwhile
    other.execute("COMMIT")
    other.close()
    resp = await asyncio.wait_for(posting, 30)
    assert resp.status == 200, await resp.text()
    assert not db.on_loop.connection().in_transaction
    return resp


async def test_a_plain_reply_waits_for_another_writer_then_is_stored_once(client, db, sqlite_file):
    await make_lease(db, mobile=MOBILE)
    await _answered_after_release(client, db, sqlite_file, "Merci pour l'info")
    [message] = await _stored(db)
    assert (message.body, message.intent) == ("Merci pour l'info", "thanks")


async def test_a_stop_waits_for_another_writer_then_opts_out_once(client, db, sqlite_file):
    await make_lease(db, mobile=MOBILE)
    resp = await _answered_after_release(client, db, sqlite_file, "STOP")
    assert "Vous ne recevrez plus de SMS" in await resp.text()
    [message] = await _stored(db)
    assert message.intent == "opt_out"
    async with db.session() as s:
        assert await is_opted_out(s, MOBILE)


async def test_a_start_waits_for_another_writer_then_opts_in_once(client, db, sqlite_file):
    await make_lease(db, mobile=MOBILE)
    assert (await post_sms(client, "STOP", MOBILE)).status == 200
    resp = await _answered_after_release(client, db, sqlite_file, "START")
    assert "vous recevez de nouveau les SMS" in await resp.text()
    assert [m.intent for m in await _stored(db)] == ["opt_out", "opt_in"]
    async with db.session() as s:
        assert not await is_opted_out(s, MOBILE)


async def test_a_callback_request_waits_for_another_writer_then_books_one_call(client, db, sqlite_file):
    lease = await make_lease(db, mobile=MOBILE)
    await _answered_after_release(client, db, sqlite_file, "rappelez-moi svp")
    async with db.session() as s:
        tasks = list(await s.scalars(select(CallTask).where(CallTask.lease_id == lease.id,
                                                             CallTask.requested_by_sms.is_(True))))
    assert len(tasks) == 1 and tasks[0].callback_at is not None


async def test_without_another_writer_a_plain_reply_is_written_by_the_group_commit_thread(
        client, db, sqlite_file):
    await make_lease(db, mobile=MOBILE)
    seen: list[str] = []
    await db.batch_writer.set_trace(seen.append)
    try:
        assert (await post_sms(client, "Merci", MOBILE)).status == 200
    finally:
        await db.batch_writer.set_trace(None)
    assert any(sql.lstrip().upper().startswith("INSERT INTO INBOUND_MESSAGE") for sql in seen)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(InboundMessage)) == 1
