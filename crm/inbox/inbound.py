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

from sqlalchemy import bindparam, false, literal_column, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.campaigns.models import Campaign, Category
from crm.db import Database, dialect_insert
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.optout_words import keyword_of
from crm.inbox.threads import thread_params, thread_select
from crm.inbox.understanding import Intent, Understanding, understand
from crm.models import OptOutEvent, OptOutSource, Tenant
from crm.tenants.optouts import is_opted_out, opt_out_ctes, opted_out_now, record_opt_change

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


# Given by the webhook; the thread's four columns come from ``thread_select``.
_GIVEN = ("provider_sid", "from_e164", "to", "body", "received_at", "intent", "sentiment",
          "sentiment_score", "status", "handled_at", "decided_by", "review")
_THREADED = ("tenant_id", "agency_id", "campaign_id", "outbox_message_id")
_INSERTS: dict[str, Any] = {}  # dialect name → statement


def _insert_statement(session: AsyncSession) -> Any:
    """The whole common case in one statement, built once per dialect: thread the SMS and
    store it, ``INSERT … SELECT <thread> ON CONFLICT (provider_sid) DO NOTHING RETURNING``
    the row's id and thread, and whether another feature cares about replies to the SMS it
    answers (``crm.hooks.INBOUND_REPLY_CONCERNS``; their reaction then runs, else it costs
    nothing). A replayed MessageSid inserts nothing and returns no row, without an error to
    recover from."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        table = InboundMessage.__table__
        thread = thread_select().subquery("th")
        rows = (select(*(bindparam(name, type_=table.c[name].type) for name in _GIVEN),
                       *(thread.c[name] for name in _THREADED))
                # SQLite reads "… FROM th ON CONFLICT" as a join constraint without a WHERE.
                .select_from(thread).where(true()))
        answered: Any = literal_column("inbound_message.outbox_message_id")  # the new row's
        concerns = [concern(answered)
                    for concern in hooks.INBOUND_REPLY_CONCERNS.handlers()]
        _INSERTS[dialect] = (
            dialect_insert(session)(table)
            .from_select([*_GIVEN, *_THREADED], rows)
            .on_conflict_do_nothing(index_elements=[table.c.provider_sid])
            .returning(table.c.id, *(table.c[name] for name in _THREADED),
                       (or_(*concerns) if concerns else false()).label("concerned")))
    return _INSERTS[dialect]


_COMPILED_INSERTS: dict[str, _Compiled] = {}  # dialect name → ``_insert_statement`` compiled


def _compiled_insert(session: AsyncSession) -> _Compiled:
    """``_insert_statement`` compiled once, run as its SQL text: no statement processing
    per SMS (SQLAlchemy's costs more than SQLite's work)."""
    dialect = session.get_bind().dialect
    if dialect.name not in _COMPILED_INSERTS:
        _COMPILED_INSERTS[dialect.name] = _Compiled.of(_insert_statement(session), dialect,
                                                       (*_GIVEN, "e164", "since", "today"))
    return _COMPILED_INSERTS[dialect.name]


_EXISTING = select(InboundMessage.__table__.c.id).where(
    InboundMessage.__table__.c.provider_sid == bindparam("sid"))


@dataclass(frozen=True)
class _Compiled:
    """A statement compiled once for a dialect: its SQL text, its positional parameters
    with the statement's own values already converted (the IN lists of constants: most of
    the ninety-odd), and the positions of the parameters given per call, with the type's
    bind processor (what SQLAlchemy would apply: UTC datetimes as SQLite text...)."""
    sql: str
    held: tuple[Any, ...]  # every position, the statement's own values converted
    given: tuple[tuple[int, str, Any, Any], ...]  # (position, name, default, processor)

    @classmethod
    def of(cls, statement: Any, dialect: Any, given: tuple[str, ...]) -> _Compiled:
        # The IN lists of constants become plain parameters; ``given`` ones come per call.
        from sqlalchemy.sql import visitors

        def optional(bind: Any) -> None:
            if bind.key in given:
                bind.required = False

        compiled = visitors.cloned_traverse(statement, {}, {"bindparam": optional}).compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True})
        held = compiled.construct_params()
        processors = compiled._bind_processors
        params = [(name, held.get(name), processors.get(name)) for name in compiled.positiontup or ()]
        return cls(compiled.string,
                   tuple(process(value) if process is not None and value is not None else value
                         for _name, value, process in params),
                   tuple((i, name, value, process) for i, (name, value, process) in enumerate(params)
                         if name in given))

    def args(self, values: dict[str, Any]) -> list[Any]:
        out = list(self.held)
        for i, name, default, process in self.given:
            value = values.get(name, default)
            out[i] = process(value) if process is not None and value is not None else value
        return out


@dataclass(frozen=True)
class _FastStatements:
    insert: _Compiled  # returns (id, campaign_id, tenant_id), or no row
    insert_and_flag: _Compiled  # PostgreSQL: the same, flagging the campaign in one statement
    existing: _Compiled  # the row a replayed MessageSid landed on
    flag: _Compiled  # SQLite: the campaign flag on its own (same thread hop)


_FAST: dict[str, _FastStatements] = {}  # dialect name → statements


def _fast_statements(db: Database) -> _FastStatements:
    """The common case for the driver directly, compiled once per dialect: the threading
    insert, which stores nothing when another feature cares about the SMS answered (that
    case takes the session path and its reaction); on PostgreSQL the same flagging the
    outage campaign in the same statement; the lookup of a replayed MessageSid."""
    dialect = db.engine.dialect
    if dialect.name not in _FAST:
        from sqlalchemy.dialects import postgresql, sqlite

        table = InboundMessage.__table__
        thread = thread_select().subquery("th")
        concerns = [concern(thread.c.outbox_message_id)
                    for concern in hooks.INBOUND_REPLY_CONCERNS.handlers()]
        rows = (select(*(bindparam(name, type_=table.c[name].type) for name in _GIVEN),
                       *(thread.c[name] for name in _THREADED))
                .select_from(thread)
                .where(~or_(*concerns) if concerns else true()))
        insert = ((postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(table)
                  .from_select([*_GIVEN, *_THREADED], rows)
                  .on_conflict_do_nothing(index_elements=[table.c.provider_sid])
                  .returning(table.c.id, table.c.campaign_id, table.c.tenant_id))
        plain = _Compiled.of(insert, dialect, (*_GIVEN, "e164", "since", "today"))
        flagged = plain
        if dialect.name == "postgresql":
            categories = ", ".join(f"'{c}'" for c in (Category.OUTAGE, Category.WORKS))
            flagged = _Compiled(
                f"WITH ins AS ({plain.sql}), flag AS (UPDATE campaign SET problem_persists_count"
                f" = campaign.problem_persists_count + 1 WHERE campaign.id = (SELECT campaign_id"
                f" FROM ins) AND campaign.category IN ({categories})) SELECT id, campaign_id FROM ins",
                plain.held, plain.given)
        _FAST[dialect.name] = _FastStatements(plain, flagged,
                                              _Compiled.of(_EXISTING, dialect, ("sid",)),
                                              _Compiled.of(_FLAG_CAMPAIGN, dialect, ("campaign_id",)))
    return _FAST[dialect.name]


_FOLDED: dict[tuple[bool, bool], _Compiled] = {}  # (opt-out, flag) → statement


def _folded_statement(db: Database, *, opt_out: bool, flag: bool) -> _Compiled:
    """PostgreSQL: an SMS whose action is an opt-out, or a callback request (with the
    outage flag when it also says the outage goes on), stored and acted upon by ONE
    statement that commits by itself (not six round trips: BEGIN, insert, reads, writes,
    COMMIT): the threading insert and the owners' statements (``crm.hooks.OPTED_OUT_SQL``,
    ``CALLBACK_REQUESTED_SQL``) as data-modifying CTEs. Returns ``(id, answer)``: for an
    opt-out whether the number was opted out already (its snapshot does not see the new
    event), for a callback whether it was taken on; no row for a replayed MessageSid or,
    for a callback, a reply another feature reacts to (the session path does it then)."""
    key = (opt_out, flag)
    if key not in _FOLDED:
        from sqlalchemy.dialects import postgresql

        table = InboundMessage.__table__
        thread = thread_select().subquery("th")
        concerns = [concern(thread.c.outbox_message_id)
                    for concern in hooks.INBOUND_REPLY_CONCERNS.handlers()]
        rows = (select(*(bindparam(name, type_=table.c[name].type) for name in _GIVEN),
                       *(thread.c[name] for name in _THREADED))
                .select_from(thread)
                # Reactions to a reply never run for an opt-out.
                .where(~or_(*concerns) if concerns and not opt_out else true()))
        stored = (postgresql.insert(table).from_select([*_GIVEN, *_THREADED], rows)
                  .on_conflict_do_nothing(index_elements=[table.c.provider_sid])
                  .returning(table.c.id, table.c.tenant_id, table.c.campaign_id).cte("stored"))
        ctes: list[Any] = []
        answer: Any
        if opt_out:
            e164 = bindparam("e164", type_=table.c.from_e164.type)
            ctes += opt_out_ctes(select(e164.label("e164"), stored.c.tenant_id))
            answer = opted_out_now(e164)
        else:
            tenant = select(stored.c.tenant_id).scalar_subquery()
            taken: list[Any] = []
            for module in hooks.CALLBACK_REQUESTED_SQL.modules_loaded():
                statements, module_taken = module.callback_statements(tenant)
                ctes += statements
                taken.append(module_taken)
            answer = or_(*taken) if taken else false()
        if flag:
            ctes.append(_flag_campaign_statement(select(stored.c.campaign_id).scalar_subquery())
                        .cte("flagged"))
        _FOLDED[key] = _Compiled.of(
            select(stored.c.id, answer.label("answer")).add_cte(*ctes), db.engine.dialect,
            (*_GIVEN, "e164", "since", "today", "at", "source", "note",
             "callback_at", "callback_today", "callback_window_end"))
    return _FOLDED[key]


async def _fold(db: Database, params: dict[str, str], meaning: Understanding, *, now: datetime,
                tz: ZoneInfo) -> Received | None:
    """``_folded_statement`` run on a driver connection; None when the session path has to
    do it (another feature reacts to the reply)."""
    opt_out = meaning.intent == Intent.OPT_OUT
    statement = _folded_statement(db, opt_out=opt_out,
                                  flag=not opt_out and meaning.intent == Intent.PROBLEM_PERSISTS)
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
            existing = await conn.fetchval(_fast_statements(db).existing.sql,
                                           *_fast_statements(db).existing.args({"sid": params["MessageSid"]}))
            return Received(existing, True, None) if existing is not None else None
    message_id, answer = row
    if opt_out:
        return Received(message_id, False, None if answer else OPT_OUT_CONFIRMATION)
    return Received(message_id, False, CALLBACK_ACK if answer else None)


@dataclass(frozen=True)
class _SqliteOptOut:
    was: _Compiled  # the number's state before
    event: _Compiled  # the opt-out event
    reactions: tuple[_Compiled, ...]  # crm.hooks.OPTED_OUT_SQL for the number


_SQLITE_OPT_OUT: list[_SqliteOptOut] = []


def _sqlite_opt_out(db: Database) -> _SqliteOptOut:
    """SQLite: ``record_opt_change(opted_out=True)``'s statements compiled once, for the
    group commit's thread (SQLite has no data-modifying CTE)."""
    if not _SQLITE_OPT_OUT:
        from sqlalchemy import insert

        events = OptOutEvent.__table__
        dialect = db.engine.dialect
        e164 = bindparam("e164", type_=events.c.e164.type)
        at = bindparam("at", type_=events.c.at.type)
        event = insert(events).values(
            e164=e164, opted_out=True, at=at, source=bindparam("source", type_=events.c.source.type),
            tenant_id=bindparam("tenant_id", type_=events.c.tenant_id.type),
            note=bindparam("note", type_=events.c.note.type))
        names = ("e164", "at", "source", "tenant_id", "note")
        _SQLITE_OPT_OUT.append(_SqliteOptOut(
            _Compiled.of(select(opted_out_now(e164)), dialect, names),
            _Compiled.of(event, dialect, names),
            tuple(_Compiled.of(react([e164], at), dialect, names)
                  for react in hooks.OPTED_OUT_SQL.handlers())))
    return _SQLITE_OPT_OUT[0]


async def _opt_out_in_group(db: Database, params: dict[str, str], meaning: Understanding, *,
                            now: datetime, tz: ZoneInfo) -> Received | None:
    """A STOP on a SQLite file, written in the next group commit (``crm.sqlite_batch``): the
    threading insert, the state before, the event and the outbox's cancellation, one hop to
    the writer's thread instead of a session's statements on the loop. None when the
    session path has to do it (the SMS answered concerns another feature)."""
    assert db.batch_writer is not None
    insert = _fast_statements(db)
    statements = _sqlite_opt_out(db)
    values = _row(params, meaning.intent, meaning, now, tz)
    source, note = _opt_source(meaning, params.get("Body", ""))
    opt = {"e164": params["From"], "at": now, "source": source, "note": note}

    def work(conn: sqlite3.Connection) -> tuple[int, bool, bool] | None:
        row = _one(conn, insert.insert.sql, insert.insert.args(values))
        if row is None:  # a replayed MessageSid, or a reply to a request's SMS
            found = _one(conn, insert.existing.sql, insert.existing.args({"sid": values["provider_sid"]}))
            return (found[0], True, False) if found is not None else None
        was = _one(conn, statements.was.sql, statements.was.args(opt))[0]
        conn.execute(statements.event.sql, statements.event.args({**opt, "tenant_id": row[2]})).close()
        for reaction in statements.reactions:
            conn.execute(reaction.sql, reaction.args(opt)).close()
        return row[0], False, bool(was)

    done = await db.batch_writer.run(work)
    if done is None:
        return None
    message_id, duplicate, was = done
    return Received(message_id, duplicate, None if duplicate or was else OPT_OUT_CONFIRMATION)


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
    callback, campaign flag, another feature's reaction) only when they apply."""
    body = params.get("Body", "")
    # Understanding reads the text alone: done before a connection is taken.
    meaning = _understood(body) if len(body) <= _CACHED_BODY_CHARS else understand(body)
    intent = meaning.intent
    if intent not in (Intent.OPT_OUT, Intent.OPT_IN) and not meaning.callback:
        # No action of another module due (a reaction to the SMS answered is checked in
        # SQL): the driver runs the precompiled insert itself.
        stored = await _store_directly(db, _row(params, intent, meaning, now, tz),
                                       flag=intent == Intent.PROBLEM_PERSISTS)
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
    insert = _compiled_insert(session)
    row: Any = (await conn.exec_driver_sql(insert.sql, tuple(insert.args(_row(params, intent, meaning, now, tz))))).first()
    if row is None:
        # The same MessageSid came before (or Twilio's retry raced the first delivery,
        # which wins): nothing is done again.
        await session.rollback()
        existing = await session.scalar(_EXISTING, {"sid": sid})
        return Received(existing or 0, True, None)
    message_id, tenant_id, _agency_id, campaign_id, outbox_message_id, concerned = row

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
    elif intent == Intent.PROBLEM_PERSISTS and campaign_id is not None:
        await _flag_campaign(session, campaign_id)
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


async def _store_directly(db: Database, values: dict[str, Any], *, flag: bool) -> tuple[int, bool] | None:
    """Store a reply that needs no action on a driver connection, with SQL compiled once
    (``_fast_statements``): ``(row id, duplicate)``, or None when another feature cares
    about the SMS it answers (nothing was stored: the session path does it with the
    reaction). ``flag``: the reply says the outage goes on (its campaign is flagged in the
    same transaction)."""
    statements = _fast_statements(db)
    args = statements.insert.args(values)
    sid = values["provider_sid"]
    if db.batch_writer is not None:
        # SQLite file: in the next group commit, on the writer's thread (crm.sqlite_batch).
        return await db.batch_writer.run(
            functools.partial(_store_in_transaction, statements=statements, args=args, sid=sid, flag=flag))
    if db.write_lock is not None:
        # SQLite in memory (tests): the whole write in ONE hop to aiosqlite's thread.
        async with db.write_lock.hold(), db.driver_connection() as conn:
            result: tuple[int, bool] | None = await conn._execute(
                _store_and_commit, conn._conn, statements, args, sid, flag)
            return result
    async with db.driver_connection() as conn:
        # PostgreSQL: one statement outside a transaction (it commits alone).
        row = await conn.fetchrow((statements.insert_and_flag if flag else statements.insert).sql, *args)
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


def _store_in_transaction(conn: sqlite3.Connection, *, statements: _FastStatements, args: list[Any],
                          sid: str, flag: bool) -> tuple[int, bool] | None:
    """The threading insert (and the campaign flag) in the caller's SQLite transaction;
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
    if flag and row[1] is not None:
        conn.execute(statements.flag.sql, statements.flag.args({"campaign_id": row[1]})).close()
    return row[0], False


def _store_and_commit(conn: sqlite3.Connection, statements: _FastStatements, args: list[Any], sid: str,
                      flag: bool) -> tuple[int, bool] | None:
    try:
        result = _store_in_transaction(conn, statements=statements, args=args, sid=sid, flag=flag)
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


_campaigns = Campaign.__table__


def _flag_campaign_statement(campaign_id: Any) -> Any:
    """One more tenant says the outage goes on (outage and works campaigns only)."""
    return (update(_campaigns)
            .where(_campaigns.c.id == campaign_id,
                   _campaigns.c.category.in_((Category.OUTAGE, Category.WORKS)))
            .values(problem_persists_count=_campaigns.c.problem_persists_count + 1))


# Built once: a quarter of the replies to an outage say it goes on.
_FLAG_CAMPAIGN = _flag_campaign_statement(bindparam("campaign_id"))


async def _flag_campaign(session: AsyncSession, campaign_id: int) -> None:
    """One more tenant says the outage goes on (outage and works campaigns only)."""
    await (await session.connection()).execute(_FLAG_CAMPAIGN, {"campaign_id": campaign_id})


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
