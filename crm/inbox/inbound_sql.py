"""The incoming-SMS webhook's statements, built and compiled once per dialect.

``crm.inbox.inbound.receive`` runs them: the threading insert (one ``INSERT … SELECT … ON
CONFLICT DO NOTHING RETURNING``), its variants for the driver connection (``fast_statements``),
on PostgreSQL a STOP or a callback request folded into one statement with the owners' SQL
(``folded_statement``), on SQLite a STOP's statements for the group commit
(``sqlite_opt_out``). ``Compiled`` holds a statement's SQL text and parameters so that no
statement is processed by SQLAlchemy per SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, false, literal_column, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.compiled import Compiled
from crm.db import Database
from crm.inbox.models import InboundMessage
from crm.inbox.threads import thread_select
from crm.tenants.optouts import IS_OPTED_OUT, opt_out_ctes, opt_out_statements, opted_out_now

# Given by the webhook; the thread's four columns come from ``thread_select``.
GIVEN = ("provider_sid", "from_e164", "to", "body", "received_at", "intent", "sentiment",
         "sentiment_score", "status", "handled_at", "decided_by", "review")
THREADED = ("tenant_id", "agency_id", "campaign_id", "outbox_message_id")
_INSERTS: dict[str, Any] = {}  # dialect name → statement


def insert_statement(session: AsyncSession) -> Any:
    """The whole common case in one statement, built once per dialect: thread the SMS and
    store it, ``INSERT … SELECT <thread> ON CONFLICT (provider_sid) DO NOTHING RETURNING``
    the row's id and thread, and whether another feature cares about replies to the SMS it
    answers (``crm.hooks.INBOUND_REPLY_CONCERNS``; their reaction then runs, else it costs
    nothing). A replayed MessageSid inserts nothing and returns no row, without an error to
    recover from."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS:
        table = InboundMessage.__table__
        answered: Any = literal_column("inbound_message.outbox_message_id")  # the new row's
        concerns = [concern(answered)
                    for concern in hooks.INBOUND_REPLY_CONCERNS.handlers()]
        _INSERTS[dialect] = _threaded_insert(dialect, skip_concerned=False).returning(
            table.c.id, *(table.c[name] for name in THREADED),
            (or_(*concerns) if concerns else false()).label("concerned"))
    return _INSERTS[dialect]


_COMPILED_INSERTS: dict[str, Compiled] = {}  # dialect name → ``insert_statement`` compiled


def compiled_insert(session: AsyncSession) -> Compiled:
    """``insert_statement`` compiled once, run as its SQL text: no statement processing
    per SMS (SQLAlchemy's costs more than SQLite's work)."""
    dialect = session.get_bind().dialect
    if dialect.name not in _COMPILED_INSERTS:
        _COMPILED_INSERTS[dialect.name] = Compiled.of(insert_statement(session), dialect, _THREAD_GIVEN)
    return _COMPILED_INSERTS[dialect.name]


EXISTING = select(InboundMessage.__table__.c.id).where(
    InboundMessage.__table__.c.provider_sid == bindparam("sid"))


@dataclass(frozen=True)
class FastStatements:
    insert: Compiled  # returns (id, tenant_id), or no row
    existing: Compiled  # the row a replayed MessageSid landed on


_FAST: dict[str, FastStatements] = {}  # dialect name → statements
_THREAD_GIVEN = (*GIVEN, "e164", "since", "today")  # the parameters of a threading insert
_FAST_RETURNS = (InboundMessage.__table__.c.id, InboundMessage.__table__.c.tenant_id)


def _threaded_insert(dialect: str, *, skip_concerned: bool) -> Any:
    """The threading ``INSERT … SELECT … ON CONFLICT (provider_sid) DO NOTHING`` (no
    RETURNING yet); ``skip_concerned``: it stores nothing when another feature cares about
    the SMS answered (``crm.hooks.INBOUND_REPLY_CONCERNS``: the session path runs its
    reaction then)."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = InboundMessage.__table__
    thread = thread_select().subquery("th")
    concerns = [concern(thread.c.outbox_message_id)
                for concern in hooks.INBOUND_REPLY_CONCERNS.handlers()] if skip_concerned else []
    rows = (select(*(bindparam(name, type_=table.c[name].type) for name in GIVEN),
                   *(thread.c[name] for name in THREADED))
            .select_from(thread)
            # SQLite reads "… FROM th ON CONFLICT" as a join constraint without a WHERE.
            .where(~or_(*concerns) if concerns else true()))
    return ((postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
            .from_select([*GIVEN, *THREADED], rows)
            .on_conflict_do_nothing(index_elements=[table.c.provider_sid]))


def fast_statements(db: Database) -> FastStatements:
    """The common case for the driver directly, compiled once per dialect: the threading
    insert, which stores nothing when another feature cares about the SMS answered (that
    case takes the session path and its reaction); the lookup of a replayed MessageSid."""
    dialect = db.engine.dialect
    if dialect.name not in _FAST:
        insert = _threaded_insert(dialect.name, skip_concerned=True)
        _FAST[dialect.name] = FastStatements(Compiled.of(insert.returning(*_FAST_RETURNS), dialect, _THREAD_GIVEN),
                                              Compiled.of(EXISTING, dialect, ("sid",)))
    return _FAST[dialect.name]


_FOLDED: dict[bool, Compiled] = {}  # opt-out → statement


def folded_statement(db: Database, *, opt_out: bool) -> Compiled:
    """PostgreSQL: an SMS whose action is an opt-out, or a callback request, stored and acted upon by ONE
    statement that commits by itself (not six round trips: BEGIN, insert, reads, writes,
    COMMIT): the threading insert and the owners' statements (``crm.hooks.OPTED_OUT_SQL``,
    ``CALLBACK_REQUESTED_SQL``) as data-modifying CTEs. Returns ``(id, answer)``: for an
    opt-out whether the number was opted out already (its snapshot does not see the new
    event), for a callback whether it was taken on; no row for a replayed MessageSid or,
    for a callback, a reply another feature reacts to (the session path does it then)."""
    if opt_out not in _FOLDED:
        table = InboundMessage.__table__
        # Reactions to a reply never run for an opt-out.
        stored = (_threaded_insert("postgresql", skip_concerned=not opt_out)
                  .returning(table.c.id, table.c.tenant_id).cte("stored"))
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
        _FOLDED[opt_out] = Compiled.of(
            select(stored.c.id, answer.label("answer")).add_cte(*ctes), db.engine.dialect,
            (*_THREAD_GIVEN, "at", "source", "note",
             "callback_at", "callback_today", "callback_window_end"))
    return _FOLDED[opt_out]


@dataclass(frozen=True)
class SqliteOptOut:
    was: Compiled  # the number's state before
    writes: tuple[Compiled, ...]  # the event, then the reactions (crm.hooks.OPTED_OUT_SQL)


_SQLITE_OPT_OUT: list[SqliteOptOut] = []


def sqlite_opt_out(db: Database) -> SqliteOptOut:
    """SQLite: ``crm.tenants.optouts``' statements of a STOP compiled once, for the group
    commit's thread (SQLite has no data-modifying CTE)."""
    if not _SQLITE_OPT_OUT:
        dialect = db.engine.dialect
        names = ("e164", "at", "source", "tenant_id", "note")
        _SQLITE_OPT_OUT.append(SqliteOptOut(
            Compiled.of(IS_OPTED_OUT, dialect, names),
            tuple(Compiled.of(statement, dialect, names) for statement in opt_out_statements())))
    return _SQLITE_OPT_OUT[0]
