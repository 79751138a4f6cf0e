"""What happens to an incoming SMS: stored once, threaded, understood, acted upon.

``receive`` is called by the webhook after the Twilio signature was checked. It stores the
message (the same ``MessageSid`` lands on the same row), finds the tenant and the SMS the
tenant is answering, applies opt-out / opt-in, and runs the intent's action. It returns the
text the service answers with (opt-out confirmation, acknowledgement) or None.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.db import Database
from crm.inbox.inbound_sql import (
    EXISTING,
    FastStatements,
    compiled_insert,
    fast_statements,
    folded_statement,
    sqlite_opt_out,
)
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.optout_words import keyword_of
from crm.inbox.threads import thread_params
from crm.inbox.understanding import Intent, Understanding, understand
from crm.models import OptOutSource, Tenant
from crm.tenants.optouts import is_opted_out, record_opt_change

log = logging.getLogger(__name__)

OPT_OUT_CONFIRMATION = (
    "Vous ne recevrez plus de SMS de votre bailleur. Pour les recevoir de nouveau, "
    "répondez START."
)
OPT_IN_CONFIRMATION = (
    "C'est noté : vous recevez de nouveau les SMS de votre bailleur. Pour les arrêter, "
    "répondez STOP."
)
CALLBACK_ACK = "Bien reçu : un conseiller de votre agence vous rappelle aujourd'hui."

# Filed as handled at once: nothing more to do for an adviser.
HANDLED_INTENTS = frozenset({Intent.THANKS, Intent.PROBLEM_SOLVED, Intent.OPT_OUT, Intent.OPT_IN})


# Replies repeat ("STOP", "merci", "toujours en panne"): the understanding of short texts
# (a pure function of the text, frozen) is kept for the next identical one.
_CACHED_BODY_CHARS = 160
_understood = functools.lru_cache(maxsize=4096)(understand)


@dataclass(frozen=True)
class Received:
    message_id: int
    duplicate: bool  # the same MessageSid came before: nothing was done again
    reply: str | None  # text for the TwiML <Message>, if the service answers


async def _fold(db: Database, params: dict[str, str], meaning: Understanding, *, now: datetime,
                tz: ZoneInfo) -> Received | None:
    """``folded_statement`` run on a driver connection; None when the session path has to
    do it (another feature reacts to the reply)."""
    opt_out = meaning.intent == Intent.OPT_OUT
    statement = folded_statement(db, opt_out=opt_out)
    values = _row(params, meaning.intent, meaning, now, tz)
    if opt_out:
        source, note = _opt_source(meaning, params.get("Body", ""))
        values.update(at=now, source=source, note=note)
    else:
        for module in hooks.CALLBACK_REQUESTED_SQL.modules_loaded():
            values.update(module.callback_params(now, tz))
    async with db.driver_connection() as conn:
        row = await conn.fetchrow(statement.sql, *statement.args(values))
        if row is None:
            existing = await conn.fetchval(fast_statements(db).existing.sql,
                                           *fast_statements(db).existing.args({"sid": params["MessageSid"]}))
            return Received(existing, True, None) if existing is not None else None
    message_id, answer = row
    if opt_out:
        return Received(message_id, False, None if answer else OPT_OUT_CONFIRMATION)
    return Received(message_id, False, CALLBACK_ACK if answer else None)


async def _opt_out_in_group(db: Database, params: dict[str, str], meaning: Understanding, *,
                            now: datetime, tz: ZoneInfo) -> Received | None:
    """A STOP on a SQLite file, written in the next group commit (``crm.sqlite_batch``): the
    threading insert, the state before, the event and the outbox's cancellation, one hop to
    the writer's thread instead of a session's statements on the loop. None when the
    session path has to do it (the SMS answered concerns another feature)."""
    assert db.batch_writer is not None
    insert = fast_statements(db)
    statements = sqlite_opt_out(db)
    values = _row(params, meaning.intent, meaning, now, tz)
    source, note = _opt_source(meaning, params.get("Body", ""))
    opt = {"e164": params["From"], "at": now, "source": source, "note": note}

    def work(conn: sqlite3.Connection) -> tuple[int, bool, bool] | None:
        row = _one(conn, insert.insert.sql, insert.insert.args(values))
        if row is None:  # a replayed MessageSid, or a reply to a request's SMS
            found = _one(conn, insert.existing.sql, insert.existing.args({"sid": values["provider_sid"]}))
            return (found[0], True, False) if found is not None else None
        was = _one(conn, statements.was.sql, statements.was.args(opt))[0]
        for write in statements.writes:  # the event, then the outbox's cancellation
            conn.execute(write.sql, write.args({**opt, "tenant_id": row[1]})).close()
        return row[0], False, bool(was)

    done = await db.batch_writer.run(work)
    if done is None:
        return None
    message_id, duplicate, was = done
    return Received(message_id, duplicate, None if duplicate or was else OPT_OUT_CONFIRMATION)


async def _callback_in_group(db: Database, params: dict[str, str], meaning: Understanding, *,
                             now: datetime, tz: ZoneInfo) -> Received | None:
    """A "rappelez-moi" on a SQLite file, written in the next group commit: the threading
    insert and the call (``crm.hooks.CALLBACK_REQUESTED_SQL``'s
    ``sqlite_callback``), one hop to the writer's thread. None when the session path has to
    do it (the SMS answered concerns another feature)."""
    assert db.batch_writer is not None
    statements = fast_statements(db)
    args = statements.insert.args(_row(params, meaning.intent, meaning, now, tz))
    sid = params["MessageSid"]
    modules = hooks.CALLBACK_REQUESTED_SQL.modules_loaded()
    callbacks = [module.sqlite_callback(db.engine.dialect) for module in modules]
    callback_params: dict[str, Any] = {}
    for module in modules:
        callback_params.update(module.callback_params(now, tz))

    def work(conn: sqlite3.Connection) -> tuple[int, bool, bool] | None:
        row = _one(conn, statements.insert.sql, args)
        if row is None:  # a replayed MessageSid, or a reply another feature reacts to
            found = _one(conn, statements.existing.sql, statements.existing.args({"sid": sid}))
            return (found[0], True, False) if found is not None else None
        message_id, tenant_id = row
        taken = tenant_id is not None and any([call(conn, tenant_id, callback_params) for call in callbacks])
        return message_id, False, taken

    done = await db.batch_writer.run(work)
    if done is None:
        return None
    message_id, duplicate, taken = done
    return Received(message_id, duplicate, CALLBACK_ACK if taken else None)


def _row(params: dict[str, str], intent: str, meaning: Understanding, now: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The parameters of the threading insert, for either path. A possible objection (or
    opt-in) keeps the message open until an adviser answers."""
    e164 = params["From"]
    handled = intent in HANDLED_INTENTS and meaning.review is None
    return {
        "provider_sid": params["MessageSid"], "from_e164": e164, "to": params.get("To"),
        "body": params.get("Body", ""), "received_at": now, "intent": intent,
        "sentiment": meaning.sentiment, "sentiment_score": meaning.score,
        "status": InboundStatus.HANDLED if handled else InboundStatus.OPEN,
        "handled_at": now if handled else None,
        "decided_by": meaning.decided_by[:160], "review": meaning.review,
        **thread_params(e164, now, now.astimezone(tz).date()),
    }


async def receive(db: Database, params: dict[str, str], *, now: datetime, tz: ZoneInfo) -> Received:
    """Store and handle one incoming SMS (already verified). Idempotent on MessageSid.

    Two statements for most SMS: the threading insert and the commit; the actions (opt-out,
    callback, another feature's reaction) only when they apply. A reply saying an outage
    goes on is counted when its campaign is read (``crm.inbox.reactions.campaign_replies``),
    not by updating the campaign's row: hundreds of tenants answering one outage at once
    would all wait for that one row's lock."""
    body = params.get("Body", "")
    # Understanding reads the text alone: done before a connection is taken.
    meaning = _understood(body) if len(body) <= _CACHED_BODY_CHARS else understand(body)
    intent = meaning.intent
    if intent not in (Intent.OPT_OUT, Intent.OPT_IN) and not meaning.callback:
        # No action of another module due (a reaction to the SMS answered is checked in
        # SQL): the driver runs the precompiled insert itself.
        stored = await _store_directly(db, _row(params, intent, meaning, now, tz))
        if stored is not None:
            return Received(stored[0], stored[1], None)
    elif db.is_postgres and (intent == Intent.OPT_OUT) != meaning.callback and intent != Intent.OPT_IN:
        # A STOP, or a "rappelez-moi": stored and acted upon by ONE statement.
        folded = await _fold(db, params, meaning, now=now, tz=tz)
        if folded is not None:
            return folded
    elif intent == Intent.OPT_OUT and not meaning.callback and db.batch_writer is not None:
        # A STOP on a SQLite file: its statements in the next group commit.
        stopped = await _opt_out_in_group(db, params, meaning, now=now, tz=tz)
        if stopped is not None:
            return stopped
    elif meaning.callback and intent not in (Intent.OPT_OUT, Intent.OPT_IN) and db.batch_writer is not None:
        # A "rappelez-moi" on a SQLite file: the same, with the call booked.
        called = await _callback_in_group(db, params, meaning, now=now, tz=tz)
        if called is not None:
            return called
    # On a SQLite file, on the loop itself unless another process holds the file.
    return await db.short_write(lambda session: _act(session, params, meaning, now=now, tz=tz))


async def _act(session: AsyncSession, params: dict[str, str], meaning: Understanding, *,
               now: datetime, tz: ZoneInfo) -> Received:
    """Store an SMS whose understanding calls for an action, and act, in ``session``'s
    transaction."""
    sid = params["MessageSid"]
    e164 = params["From"]
    body = params.get("Body", "")
    intent = meaning.intent
    reply: str | None = None
    if intent == Intent.OPT_IN and keyword_of(body) == "OUI" and not await is_opted_out(session, e164):
        # "Oui" from someone who never opted out answers something else: an adviser reads it.
        intent = Intent.OTHER
    conn = await session.connection()
    insert = compiled_insert(session)
    row: Any = (await conn.exec_driver_sql(insert.sql, tuple(insert.args(_row(params, intent, meaning, now, tz))))).first()
    if row is None:
        # The same MessageSid came before (or Twilio's retry raced the first delivery,
        # which wins): nothing is done again.
        await session.rollback()
        existing = await session.scalar(EXISTING, {"sid": sid})
        return Received(existing or 0, True, None)
    message_id, tenant_id, _agency_id, _campaign_id, outbox_message_id, concerned = row

    if intent in (Intent.OPT_OUT, Intent.OPT_IN):
        # RULES.md: the keyword alone; a clear sentence acts the same (CNIL: an objection
        # in any form), kept with its own source and its text.
        source, note = _opt_source(meaning, body)
        if intent == Intent.OPT_OUT or meaning.keyword or await is_opted_out(session, e164):
            changed = await record_opt_change(
                session, e164, opted_out=intent == Intent.OPT_OUT, at=now,
                source=source, tenant_id=tenant_id, note=note)
            if changed:
                reply = OPT_OUT_CONFIRMATION if intent == Intent.OPT_OUT else OPT_IN_CONFIRMATION
    if meaning.callback and tenant_id is not None:
        if await _request_callback(session, tenant_id, now, tz):
            reply = CALLBACK_ACK
    if intent not in (Intent.OPT_OUT, Intent.OPT_IN) and outbox_message_id is not None and concerned:
        # Other features' reactions to a reply to their SMS (a request's satisfaction
        # answer, "toujours pas réparé" after it was done).
        for react in hooks.INBOUND_REPLY.handlers():
            if await react(session, outbox_message_id=outbox_message_id, body=body,
                           intent=intent, now=now, tz=tz):
                await session.execute(
                    update(InboundMessage).where(InboundMessage.id == message_id)
                    .values(status=InboundStatus.HANDLED, handled_at=now))
    await session.commit()
    return Received(message_id, False, reply)


async def _store_directly(db: Database, values: dict[str, Any]) -> tuple[int, bool] | None:
    """Store a reply that needs no action on a driver connection, with SQL compiled once
    (``fast_statements``): ``(row id, duplicate)``, or None when another feature cares
    about the SMS it answers (nothing was stored: the session path does it with the
    reaction)."""
    statements = fast_statements(db)
    sid = values["provider_sid"]
    args = statements.insert.args(values)
    if db.batch_writer is not None:
        # SQLite file: in the next group commit, on the writer's thread (crm.sqlite_batch).
        return await db.batch_writer.run(
            functools.partial(_store_in_transaction, statements=statements, args=args, sid=sid))
    if db.write_lock is not None:
        # SQLite in memory (tests): the whole write in ONE hop to aiosqlite's thread.
        async with db.write_lock.hold(), db.driver_connection() as conn:
            result: tuple[int, bool] | None = await conn._execute(
                _store_and_commit, conn._conn, statements, args, sid)
            return result
    async with db.driver_connection() as conn:
        # PostgreSQL: one statement outside a transaction (it commits alone).
        row = await conn.fetchrow(statements.insert.sql, *args)
        if row is not None:
            return row[0], False
        existing = await conn.fetchval(statements.existing.sql, *statements.existing.args({"sid": sid}))
        return (existing, True) if existing is not None else None


def _one(conn: sqlite3.Connection, sql: str, args: list[Any]) -> Any:
    """The first row of a statement, its cursor closed (a RETURNING statement left open
    would hold the transaction's savepoint)."""
    cursor = conn.execute(sql, args)
    try:
        return cursor.fetchone()
    finally:
        cursor.close()


def _store_in_transaction(conn: sqlite3.Connection, *, statements: FastStatements, args: list[Any],
                          sid: str) -> tuple[int, bool] | None:
    """The threading insert in the caller's SQLite transaction;
    ``(row id, duplicate)``, or None when nothing was stored for the session path to do."""
    cursor = conn.execute(statements.insert.sql, args)
    try:
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        # A replayed MessageSid (nothing written), or a reply another feature reacts to.
        cursor = conn.execute(statements.existing.sql, statements.existing.args({"sid": sid}))
        try:
            found = cursor.fetchone()
        finally:
            cursor.close()
        return (found[0], True) if found is not None else None
    return row[0], False


def _store_and_commit(conn: sqlite3.Connection, statements: FastStatements, args: list[Any],
                      sid: str) -> tuple[int, bool] | None:
    try:
        result = _store_in_transaction(conn, statements=statements, args=args, sid=sid)
        if conn.in_transaction:
            conn.commit()
        return result
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _opt_source(meaning: Understanding, body: str) -> tuple[str, str]:
    """The history's source and note of an opt-out or opt-in by SMS."""
    if meaning.keyword:
        return OptOutSource.SMS, f"Réponse « {body.strip()[:60]} »"
    return OptOutSource.SMS_SENTENCE, opt_note(body)


def opt_note(body: str) -> str:
    """The history note of an opt-out or opt-in written as a sentence: the text itself."""
    text = " ".join(body.split())
    return f"Réponse « {text[:230]} »" if len(text) <= 230 else f"Réponse « {text[:229]}… »"


async def _request_callback(session: AsyncSession, tenant_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """A call task for today at the top of the adviser queue (``crm.hooks.CALLBACK_REQUESTED``); False when
    the tenant has no active lease to call about."""
    taken = [await react(session, tenant_id=tenant_id, at=now, tz=tz)
             for react in hooks.CALLBACK_REQUESTED.handlers()]
    return any(taken)


async def tenant_names(session: AsyncSession, tenant_ids: set[int]) -> dict[int, str]:
    if not tenant_ids:
        return {}
    rows = await session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))
    return {t.id: t.display_name for t in rows if t.id is not None}
