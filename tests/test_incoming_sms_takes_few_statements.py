"""An incoming SMS costs few statements: a plain reply is threaded and stored by ONE
statement (INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING) and a commit; a replayed
MessageSid by that statement and the lookup of the first copy; an opt-out adds only what
recording it takes. Each SQL statement is counted as the driver receives it (the common
case runs precompiled SQL on the driver connection, outside SQLAlchemy's statement events):
SQLite's trace callback (on the pool's, the loop's and the group-commit writer's
connections), and on PostgreSQL asyncpg's query logger beside SQLAlchemy's
events (its prepared statements are not logged by asyncpg)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, select

from crm.calls.models import CallTask
from tests.support.factories import make_lease
from tests.support.sms import (  # noqa: F401 - `settings` overrides the suite's fixture
    inbound,
    make_sent_campaign,
    new_sid,
    post_sms,
    settings,
)

MOBILE = "+33612345678"
# Measured: the insert, then the opt-out history (current state read, event insert, the
# campaigns' reaction cancelling queued SMS): 4; anything above means a statement crept in.
MAX_OPT_OUT_STATEMENTS = 4


async def _statements(db, send):
    """(SQL statements, commits) the webhook runs while ``send`` posts."""
    seen: list[str] = []
    commits: list[bool] = []

    def note(sql: str) -> None:
        word = sql.lstrip().split(None, 1)[0].rstrip(";").upper() if sql.strip() else ""
        if word == "COMMIT":
            commits.append(True)
        elif word not in ("BEGIN", "ROLLBACK"):
            seen.append(sql)

    def record(conn, cursor, statement, parameters, context, executemany):
        note(statement)

    def checkout(dbapi_connection, record, proxy):
        if db.is_sqlite:
            dbapi_connection._connection._conn.set_trace_callback(note)
        else:
            dbapi_connection._connection.add_query_logger(lambda q: note(q.query))

    engine = db.engine.sync_engine
    event.listen(engine.pool, "checkout", checkout)
    if not db.is_sqlite:  # the trace callback sees SQLAlchemy's statements too
        event.listen(engine, "before_cursor_execute", record)
    on_loop = db.on_loop  # SQLite: the webhook's own connections, used on the event loop
    if on_loop is not None:
        on_loop.connection().set_trace_callback(note)
        event.listen(on_loop.engine.sync_engine.pool, "checkout", checkout)
    if db.batch_writer is not None:  # SQLite: plain replies are written in group commits
        await db.batch_writer.set_trace(note)
    try:
        resp = await send()
    finally:
        event.remove(engine.pool, "checkout", checkout)
        if not db.is_sqlite:
            event.remove(engine, "before_cursor_execute", record)
        if on_loop is not None:
            on_loop.connection().set_trace_callback(None)
            event.remove(on_loop.engine.sync_engine.pool, "checkout", checkout)
        if db.batch_writer is not None:
            await db.batch_writer.set_trace(None)
    assert resp.status == 200, await resp.text()
    return seen, len(commits)


async def _threaded_reply_setup(db, clock):
    lease = await make_lease(db, mobile=MOBILE)
    campaign = await make_sent_campaign(db, recipients=[(lease.tenant_id, MOBILE)],
                                        sent_at=clock.now() - timedelta(hours=1))
    return lease, campaign


async def test_a_plain_reply_is_threaded_and_stored_by_one_statement(client, db, clock):
    lease, campaign = await _threaded_reply_setup(db, clock)
    seen, commits = await _statements(
        db, lambda: post_sms(client, "Quand est-ce que l'eau revient ?", MOBILE))
    assert len(seen) == 1, seen
    assert seen[0].lstrip().upper().startswith("INSERT INTO INBOUND_MESSAGE")
    assert commits <= 1  # PostgreSQL: the lone statement commits by itself
    [m] = await inbound(db)
    assert (m.tenant_id, m.agency_id, m.campaign_id) == (lease.tenant_id, lease.agency_id, campaign.id)
    assert m.outbox_message_id is not None


async def test_a_replayed_message_sid_costs_the_insert_and_one_lookup(client, db, clock):
    await _threaded_reply_setup(db, clock)
    sid = new_sid()
    await post_sms(client, "merci", MOBILE, sid=sid)
    seen, commits = await _statements(db, lambda: post_sms(client, "merci", MOBILE, sid=sid))
    assert len(seen) == 2, seen
    assert seen[0].lstrip().upper().startswith("INSERT INTO INBOUND_MESSAGE")
    assert seen[1].lstrip().upper().startswith("SELECT")
    assert commits == 0
    assert len(await inbound(db)) == 1


async def test_an_opt_out_adds_only_what_recording_it_takes(client, db, clock):
    await _threaded_reply_setup(db, clock)
    seen, commits = await _statements(db, lambda: post_sms(client, "STOP", MOBILE))
    if db.is_postgres:
        # Stored, recorded and pending SMS stopped by ONE statement that commits by itself.
        assert len(seen) == 1, seen
        assert seen[0].lstrip().upper().startswith("WITH STORED AS")
        assert commits == 0
    else:
        assert seen[0].lstrip().upper().startswith("INSERT INTO INBOUND_MESSAGE")
        assert len(seen) <= MAX_OPT_OUT_STATEMENTS, seen
        assert commits == 1
    [m] = await inbound(db)
    assert m.intent == "opt_out"


async def test_a_callback_request_is_one_statement_on_postgresql_three_on_sqlite(client, db, clock):
    lease, _campaign = await _threaded_reply_setup(db, clock)
    seen, commits = await _statements(db, lambda: post_sms(client, "rappelez-moi svp", MOBILE))
    if db.is_postgres:
        assert len(seen) == 1, seen
        assert seen[0].lstrip().upper().startswith("WITH STORED AS")
        assert commits == 0
    else:
        # In the group commit: the insert, the tenant's lease, the call task's upsert.
        assert [sql.lstrip().split(None, 1)[0].upper() for sql in seen] == ["INSERT", "SELECT", "INSERT"], seen
        assert commits == 1
    [m] = await inbound(db)
    assert m.tenant_id == lease.tenant_id
    async with db.session() as session:
        [task] = (await session.scalars(select(CallTask).where(CallTask.lease_id == lease.id))).all()
    assert task.requested_by_sms and task.callback_at == clock.now()
