"""The outbox table's operations: bulk writing at launch, claiming due rows, recording
results, crash recovery and campaign completion.

Every state change is one guarded UPDATE (``WHERE status = …``), so two dispatchers, a
cancel and a status callback racing each other cannot move a message backwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.db import UTCDateTime, dialect_insert, sqlite_datetime
from crm.tenants.optouts import opted_out_now

# Rows per executemany: bounded memory for a 100,000-recipient launch, and a short hold of
# the event loop — SQLAlchemy prepares a statement's parameters in one synchronous stretch
# (1,000 rows: 12-45 ms of CPU, /healthz waiting behind; 250: about 4 ms, same total).
CHUNK = 250

_table = OutboxMessage.__table__


def _insert_ignoring_duplicates(session: AsyncSession) -> Any:
    return dialect_insert(session)(_table).on_conflict_do_nothing(index_elements=["campaign_id", "e164"])


async def write_outbox_rows(
    session: AsyncSession,
    campaign: Campaign,
    rows: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
    *,
    now: datetime | None = None,
    next_try_at: datetime | None = None,
) -> int:
    """Insert one outbox row per recipient in chunks; a number already in the campaign's
    outbox is skipped (launching twice sends nothing twice). Returns the rows inserted.

    ``rows``: mappings with ``e164``, ``body`` and optionally ``tenant_id``, ``segments``,
    ``next_try_at`` (else the ``next_try_at`` argument, else ``now``). Rows may come from
    a generator, so a 100,000-recipient launch never holds them all. The caller commits.
    """
    now = now or campaign.launched_at or campaign.created_at
    default_try = next_try_at or now
    # executemany + RETURNING: SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues")
    # with one cached compilation; the ids returned are those of the rows really inserted.
    stmt = _insert_ignoring_duplicates(session).returning(_table.c.id)
    inserted = 0
    chunk: list[dict[str, Any]] = []

    async def flush() -> int:
        if not chunk:
            return 0
        result = await session.execute(stmt, chunk)
        chunk.clear()
        return len(result.all())

    def row_of(r: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "campaign_id": campaign.id, "tenant_id": r.get("tenant_id"), "e164": r["e164"],
            "body": r["body"], "segments": r.get("segments", 1), "status": OutboxStatus.PENDING,
            "attempts": 0, "next_try_at": r.get("next_try_at") or default_try, "created_at": now,
        }

    if isinstance(rows, AsyncIterable):
        async for r in rows:
            chunk.append(row_of(r))
            if len(chunk) >= CHUNK:
                inserted += await flush()
    else:
        for r in rows:
            chunk.append(row_of(r))
            if len(chunk) >= CHUNK:
                inserted += await flush()
    inserted += await flush()
    return inserted


class Claimed(NamedTuple):  # a tuple: built straight from the claim's rows, cheaply
    id: int
    campaign_id: int
    tenant_id: int | None
    e164: str
    body: str
    segments: int
    attempts: int
    opted_out: bool = False  # the number's latest opt-out event says STOP (read by the claim)


def _claim_statement(dialect: str) -> Any:
    """The claim, built once per dialect (``now`` and ``limit`` are parameters): building
    it for every claim cost more than running its compiled form."""
    # Not a cancelled campaign's, nor one still being prepared (campaigns/preparation.py).
    live = exists().where(and_(Campaign.id == OutboxMessage.campaign_id,
                               Campaign.status.not_in((CampaignStatus.CANCELLED,
                                                       CampaignStatus.PREPARING))))
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_try_at <= bindparam("now", type_=UTCDateTime()), live)
        .order_by(OutboxMessage.next_try_at)  # the index order: no sort of every due row
        .limit(bindparam("limit", type_=Integer()))
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    t = _table.c
    claimed: Any = t.id.in_(select(due.c.id))
    if dialect == "postgresql":
        # Evaluated once. As a plain subquery of "id IN (…)" PostgreSQL may run the
        # LIMIT … SKIP LOCKED select again for every row it scans and claim far more.
        due = due.prefix_with("MATERIALIZED")
        # The claimed ids as one array, each row then found by its primary key: joined to
        # "IN (SELECT …)" the plan hashed the ids and scanned every pending row of the
        # outbox for each claim (10 of a claim's 28 ms with 10,000 pending).
        claimed = t.id == any_(func.array(select(due.c.id).scalar_subquery()))
    return (  # Core, not ORM: no identity-map work on the hot path
        _table.update()
        .where(claimed, t.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, attempts=t.attempts + 1,
                updated_at=bindparam("now", type_=UTCDateTime()))
        .returning(t.id, t.campaign_id, t.tenant_id, t.e164, t.body, t.segments, t.attempts,
                   # Spelt qualified: an UPDATE renders its table's columns bare, and a bare
                   # "e164" inside the subquery would mean opt_out_event's own column.
                   opted_out_now(literal_column(f"{_table.name}.e164")))
    )


_CLAIMS: dict[str, Any] = {}  # dialect name → its claim statement


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[Claimed]:
    """Mark up to ``limit`` due rows ``sending`` and return them. The caller commits BEFORE
    calling the provider, so a crash leaves them ``sending`` (then ``unknown``), never
    ``pending`` to be sent again.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets several dispatchers claim disjoint batches.
    SQLite: one writer at a time; the UPDATE … RETURNING is atomic on its own.
    Each row says whether its number is opted out now (no second query for that).
    """
    dialect = session.bind.dialect.name
    stmt = _CLAIMS.get(dialect)
    if stmt is None:
        stmt = _CLAIMS[dialect] = _claim_statement(dialect)
    result = await session.execute(stmt, {"now": now, "limit": limit})
    claimed = [Claimed._make(row) for row in result.all()]
    claimed.sort(key=_by_id)
    return claimed


def _by_id(claimed: Claimed) -> int:
    return claimed.id


# Results are written in bulk (executemany) by primary key. A result may also land on a
# row a stale sweep marked "unknown" meanwhile: the provider's answer is the better truth.
# (Spelt with OR: an expanding IN cannot be used with executemany.)
_IN_FLIGHT = or_(_table.c.status == OutboxStatus.SENDING, _table.c.status == OutboxStatus.UNKNOWN)

MARK_SENT = (
    _table.update()
    .where(_table.c.id == bindparam("b_id"), _IN_FLIGHT)
    .values(status=OutboxStatus.SENT, provider_sid=bindparam("b_sid"),
            sent_at=bindparam("b_at"), updated_at=bindparam("b_at"),
            error_code=None, error_reason=None)
)
# PostgreSQL: the whole batch in one statement, its values as arrays, rather than one UPDATE
# per row (executemany): a third of the client's work, about half the server's. The same
# guard as MARK_SENT. No join: "id = ANY(:ids)" finds the rows by primary key and each row
# reads its values at its own position in the arrays. Joined to unnest(), the plan depended
# on the estimates: hashing the whole outbox, or, once the prepared statement's generic
# plan took over (from its sixth run), rescanning the arrays for every row, 110 ms for 500
# rows where this takes 27 ms, most of it the rows' index entries.
_MARK_SENT_ARRAYS = text(f"""
UPDATE {_table.name} AS o
SET status = :sent, provider_sid = (:sids)[array_position(:ids, o.id)],
    sent_at = (:ats)[array_position(:ids, o.id)], updated_at = (:ats)[array_position(:ids, o.id)],
    error_code = NULL, error_reason = NULL
WHERE o.id = ANY(:ids) AND o.status IN (:sending, :unknown)
""").bindparams(
    bindparam("ids", type_=ARRAY(Integer)), bindparam("sids", type_=ARRAY(String)),
    bindparam("ats", type_=ARRAY(UTCDateTime())),
    sent=OutboxStatus.SENT, sending=OutboxStatus.SENDING, unknown=OutboxStatus.UNKNOWN,
)


# SQLite: the same, its values as one JSON array read by json_each: the plan walks the
# array and finds each row by its primary key (the unary + keeps the planner off the
# status index, which made it scan every sending row for each value). An executemany of MARK_SENT cost some 20 µs
# a row on the event loop (SQLAlchemy's parameter processing, twice a datetime), and aiosqlite's
# thread took the GIL back for every row's parameters; this costs one json.dumps.
_MARK_SENT_JSON = text(f"""
UPDATE {_table.name}
SET status = :sent, provider_sid = v.sid, sent_at = v.at, updated_at = v.at,
    error_code = NULL, error_reason = NULL
FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS sid,
             json_extract(value, '$[2]') AS at
      FROM json_each(:rows)) AS v
WHERE {_table.name}.id = v.id AND +{_table.name}.status IN (:sending, :unknown)
""").bindparams(sent=OutboxStatus.SENT, sending=OutboxStatus.SENDING, unknown=OutboxStatus.UNKNOWN)


async def mark_sent(session: AsyncSession, params: list[dict[str, Any]]) -> None:
    """Record the provider's sids (``MARK_SENT``'s parameters: ``b_id``, ``b_sid``,
    ``b_at``). The caller commits."""
    if not params:
        return
    if session.bind.dialect.name == "postgresql":
        await session.execute(_MARK_SENT_ARRAYS, {
            "ids": [p["b_id"] for p in params], "sids": [p["b_sid"] for p in params],
            "ats": [p["b_at"] for p in params]})
    else:
        await session.execute(_MARK_SENT_JSON, {"rows": json.dumps(
            [[p["b_id"], p["b_sid"], sqlite_datetime(p["b_at"])] for p in params])})


MARK_RETRY = (
    _table.update()
    .where(_table.c.id == bindparam("b_id"), _IN_FLIGHT)
    .values(status=OutboxStatus.PENDING, next_try_at=bindparam("b_next"),
            error_code=bindparam("b_code"), error_reason=bindparam("b_reason"),
            updated_at=bindparam("b_at"))
)
MARK_FAILED = (
    _table.update()
    .where(_table.c.id == bindparam("b_id"), _IN_FLIGHT)
    .values(status=OutboxStatus.FAILED, error_code=bindparam("b_code"),
            error_reason=bindparam("b_reason"), updated_at=bindparam("b_at"))
)
MARK_UNKNOWN = (
    _table.update()
    .where(_table.c.id == bindparam("b_id"), _table.c.status == OutboxStatus.SENDING)
    .values(status=OutboxStatus.UNKNOWN, error_reason=bindparam("b_reason"),
            updated_at=bindparam("b_at"))
)
MARK_CANCELLED = (
    _table.update()
    .where(_table.c.id == bindparam("b_id"), _IN_FLIGHT)
    .values(status=OutboxStatus.CANCELLED, error_reason=bindparam("b_reason"),
            updated_at=bindparam("b_at"))
)


async def cancel_if_campaign_cancelled(session: AsyncSession, ids: list[int], now: datetime) -> int:
    """Rows put back to ``pending`` for a retry after their campaign was cancelled (the
    cancel only touches rows pending at that moment) are cancelled too."""
    if not ids:
        return 0
    cancelled = exists().where(Campaign.id == OutboxMessage.campaign_id,
                               Campaign.status == CampaignStatus.CANCELLED)
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING, cancelled)
        .values(status=OutboxStatus.CANCELLED, error_reason="Campagne annulée.", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def mark_interrupted_unknown(session: AsyncSession, now: datetime,
                                   older_than: timedelta | None = None) -> int:
    """Rows left ``sending`` by a process that died become ``unknown``: the provider may or
    may not have taken them, and a tenant must never get an outage SMS twice. With
    ``older_than``, only claims older than that (other live processes' calls are recent)."""
    stmt = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.SENDING)
    if older_than is not None:
        stmt = stmt.where(OutboxMessage.updated_at < now - older_than)
    result = await session.execute(
        stmt.values(status=OutboxStatus.UNKNOWN, updated_at=now,
                    error_reason="Envoi interrompu (arrêt du service) : "
                                 "le message est peut-être parti, il n'est pas renvoyé.")
        .execution_options(synchronize_session=False)
    )
    return max(result.rowcount or 0, 0)


async def complete_campaigns(session: AsyncSession, campaign_ids: Iterable[int] | None = None) -> int:
    """Campaigns being sent with nothing pending or sending any more become ``done``."""
    open_rows = exists().where(
        OutboxMessage.campaign_id == Campaign.id,
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
    )
    stmt = update(Campaign).where(
        Campaign.status.in_((CampaignStatus.SENDING, CampaignStatus.SCHEDULED)),
        ~open_rows,
        # A launch writes its rows before the status moves; never close an empty campaign.
        exists().where(OutboxMessage.campaign_id == Campaign.id),
    )
    if campaign_ids is not None:
        ids = list(set(campaign_ids))
        if not ids:
            return 0
        stmt = stmt.where(Campaign.id.in_(ids))
    result = await session.execute(
        stmt.values(status=CampaignStatus.DONE).execution_options(synchronize_session=False))
    return max(result.rowcount or 0, 0)


async def counts_by_status(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.campaign_id == campaign_id)
        .group_by(OutboxMessage.status)
    )
    return {status: n for status, n in rows.all()}
