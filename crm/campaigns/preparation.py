"""Writing a launched campaign's outbox rows: in committed chunks, under the status
"preparing", resumable after a crash.

A 100,000-recipient launch written in one transaction held SQLite's write lock for
seconds (every other writer waited) and lost everything on a crash. Here each chunk of
rows is its own transaction, and:

- the dispatcher sends nothing of a campaign while it is ``preparing``: a recipient found
  blank or too long on the last chunk must still turn the whole launch back into a draft,
  which is only possible while nothing has left (and the first message leaves a few
  seconds later, not earlier than the launch's answer);
- each chunk first re-checks, with a guarded UPDATE of the campaign row, that the campaign
  is still ``preparing`` (on PostgreSQL that row lock also orders it against a cancel), so
  a cancel during the preparation stops it and cancels what was written;
- the rows' unique key (campaign, number) with ON CONFLICT DO NOTHING makes writing again
  harmless: a preparation interrupted by a crash is run again from the start by the
  ``resume_preparations`` job and only adds the rows that were missing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, case, delete, func, literal, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.audience import AudienceScan
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.campaigns.outbox import write_outbox_rows
from crm.campaigns.preview import MAX_CHARACTERS, MAX_SEGMENTS, scan_for
from crm.campaigns.renderings import Renderings
from crm.campaigns.rules import first_send_at
from crm.campaigns.sqltext import SqlText, columns_of, prepare_connection, sql_text_for
from crm.campaigns.templating import MessageTemplate, check_variables_filled
from crm.config import Settings
from crm.db import Database
from crm.errors import Invalid
from crm.models import Lease

log = logging.getLogger(__name__)

PREPARE_ROWS = 5000  # rows per committed transaction
YIELD_EVERY = 100  # recipients rendered between two turns of the event loop (about 1 ms)
# A preparation not finished after this long was interrupted (a 100,000-recipient one
# takes seconds); the job then runs it again. Running it twice at once is harmless anyway.
STALLED_AFTER = timedelta(minutes=5)

OnChunk = Callable[[int], Awaitable[None]]  # called after each committed chunk (rows so far)


class Stopped(Exception):
    """The campaign left "preparing" meanwhile (cancelled)."""


def blank_for_recipients(fields: list[str]) -> Invalid:
    names = ", ".join("{{ " + n + " }}" for n in fields)
    return Invalid(
        f"Pour certains destinataires, {names} est vide : le SMS contiendrait un blanc. "
        f"Retirez-les de l'audience ou écrivez {{{{ {fields[0]} | optionnel }}}} si le message "
        "reste clair sans.",
        code="blank_placeholder",
        details=[{"field": n, "message": "Vide pour certains destinataires."} for n in fields])


def _too_long(text: str, segments: int) -> Invalid:
    return Invalid(
        f"Le message est trop long ({len(text)} caractères, {segments} segments ; "
        f"au plus {MAX_CHARACTERS} caractères et {MAX_SEGMENTS} segments).",
        code="message_too_long")


async def _still_preparing(session: AsyncSession, campaign_id: int) -> bool:
    # A no-op UPDATE rather than a SELECT: it takes the campaign row's lock, so a cancel
    # waits for this chunk's commit (and then cancels its rows) instead of slipping between.
    result = await session.execute(
        update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.PREPARING)
        .values(status=CampaignStatus.PREPARING).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def write_in_chunks(db: Database, campaign: Campaign, first: datetime, settings: Settings,
                          now: datetime, *, on_chunk: OnChunk | None = None,
                          chunk_rows: int | None = None, by_sql: bool = True) -> int:
    """Write one pending row per recipient, ``chunk_rows`` per transaction, and return the
    recipients. Raises ``Invalid`` (blank placeholder, too long, nobody) and ``Stopped``.

    A plain body's texts are built by the database (``_write_by_sql``) unless ``by_sql``
    is False (the tests compare both ways)."""
    template = MessageTemplate(campaign.body, campaign.variables, plain_values=campaign.plain_values)
    check_variables_filled(campaign.body, campaign.variables)
    renderings = Renderings(template, campaign.body)
    scan = scan_for(campaign, settings, now)
    assert campaign.id is not None
    chunk_rows = chunk_rows or PREPARE_ROWS
    sql = None
    if by_sql:
        async with db.session() as session:
            sql = await sql_text_for(session, template)
    if sql is not None:
        scan.chunk_size = chunk_rows
        return await _write_by_sql(db, campaign, first, now, scan, sql, renderings, on_chunk)
    written = 0
    rows: list[dict[str, Any]] = []

    async def commit(session: AsyncSession) -> None:
        nonlocal written
        if not await _still_preparing(session, campaign.id):
            await session.rollback()
            raise Stopped
        await write_outbox_rows(session, campaign, rows, now=now)
        await session.commit()
        written += len(rows)
        rows.clear()
        if on_chunk is not None:
            await on_chunk(written)

    async with db.session() as session:
        async for batch in scan.chunks(session):
            for i, r in enumerate(batch):
                if i % YIELD_EVERY == YIELD_EVERY - 1:
                    await asyncio.sleep(0)  # let /healthz and the dispatcher in meanwhile
                rows.append(_checked_row(renderings, r, first))
                if len(rows) >= chunk_rows:
                    await commit(session)
        if rows:
            await commit(session)
    if scan.recipients == 0:
        raise Invalid("Aucun destinataire joignable par SMS.", code="no_recipients")
    return scan.recipients


def _checked_row(renderings: Renderings, r: Any, first: datetime) -> dict[str, Any]:
    rendering, new = renderings.of(r.context)
    if new:
        if rendering.blank:
            raise blank_for_recipients(list(rendering.blank))
        if len(rendering.text) > MAX_CHARACTERS or rendering.analysis.segments > MAX_SEGMENTS:
            raise _too_long(rendering.text, rendering.analysis.segments)
    return {"tenant_id": r.tenant_id, "e164": r.e164, "body": rendering.text,
            "segments": rendering.analysis.segments, "next_try_at": first}


async def _write_by_sql(db: Database, campaign: Campaign, first: datetime, now: datetime,
                        scan: AudienceScan, sql: SqlText, renderings: Renderings,
                        on_chunk: OnChunk | None) -> int:
    """``write_in_chunks`` for a plain body: ONE INSERT … SELECT a chunk writes its rows,
    the text built by the database (``sqltext``). The rows whose text SQL cannot vouch for
    (rare: escape characters, emoji, blanks, texts too long...) are written marked
    ``segments = -1``; they are read back, rendered, checked (the refusals) and corrected
    from Python before the chunk commits, so nothing wrong is ever committed.

    A number already in the campaign's outbox (a resumed preparation) is skipped by
    ON CONFLICT DO NOTHING; one two tenants share goes to the first (the scan's rule, in SQL).
    """
    assert campaign.id is not None
    table = OutboxMessage.__table__
    insert = dialect_insert_for(db)
    fix = (update(table).where(table.c.id == bindparam("row_id"))
           .values(body=bindparam("new_body"), segments=bindparam("new_segments")))
    # Built once, run for each chunk's range (one compilation, one statement cached).
    rec = scan.recipients_select(after=bindparam("after", type_=Integer),
                                 upto=bindparam("upto", type_=Integer)).subquery("rec")
    texts = (select(rec.c.tenant_id, rec.c.e164,
                    *(v.label(k) for k, v in sql.text_select(columns_of(rec)).items()))
             .where(rec.c.e164.is_not(None), not_(rec.c.opted_out), not_(rec.c.duplicate))
             .offset(0)  # computed once a row: neither database inlines it again
             .subquery("texts"))
    x = sql.figures(columns_of(texts))
    write = (insert(table).from_select(
        ["campaign_id", "tenant_id", "e164", "body", "segments", "status", "attempts",
         "next_try_at", "created_at"],
        select(literal(campaign.id, Integer), texts.c.tenant_id, texts.c.e164, texts.c.body,
               case((x["sql_launch"], x["segments"]), else_=-1), literal(OutboxStatus.PENDING),
               literal(0, Integer), literal(first, table.c.next_try_at.type),
               literal(now, table.c.created_at.type))
        .order_by(texts.c.tenant_id))
        .on_conflict_do_nothing(index_elements=["campaign_id", "e164"]))
    if db.is_postgres:
        write = write.returning(table.c.id, table.c.tenant_id, table.c.segments)
    written = 0
    last = 0
    formatted: dict[str | None, str] = {}
    async with db.session() as session:
        while True:
            upto = await scan.next_bound(session, last)
            if upto is None:
                break
            if not await _still_preparing(session, campaign.id):
                await session.rollback()
                raise Stopped
            await prepare_connection(session)
            inserted, unsure = await _insert_chunk(session, write, {"after": last, "upto": upto}, campaign.id)
            if unsure:
                row_ids = dict(unsure)
                found = await session.execute(scan.recipients_select(tenant_ids=list(row_ids))
                                              .order_by(Lease.tenant_id))
                fixes = []
                for row in found.all():
                    if row.tenant_id in row_ids:
                        done = _checked_row(renderings, AudienceScan.recipient_of(row, formatted), first)
                        fixes.append({"row_id": row_ids.pop(row.tenant_id), "new_body": done["body"],
                                      "new_segments": done["segments"]})
                await session.execute(fix, fixes)
            written += inserted
            await session.commit()
            last = upto
            if on_chunk is not None:
                await on_chunk(written)
        recipients = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id))
    if not recipients:
        raise Invalid("Aucun destinataire joignable par SMS.", code="no_recipients")
    return int(recipients)


async def _insert_chunk(session: AsyncSession, write: Any, params: dict[str, Any],
                        campaign_id: int) -> tuple[int, list[tuple[int, int]]]:
    """Run a chunk's INSERT; return the rows written and the (tenant, row id) of those to
    correct (``segments = -1``), by tenant. PostgreSQL's INSERT returns its rows. On
    SQLite, RETURNING 100,000 rows was a tenth of the launch: it reads the few to correct
    back instead, by rowid (the chunk's rows come after every row there was before it:
    this transaction holds the write lock since its UPDATE of the campaign)."""
    if session.get_bind().dialect.name != "sqlite":
        rows = (await session.execute(write, params)).all()
        return len(rows), sorted((r.tenant_id, r.id) for r in rows if r.segments < 0)
    table = OutboxMessage.__table__
    before = await session.scalar(select(func.max(table.c.id))) or 0
    written = (await session.execute(write, params)).rowcount
    unsure = await session.execute(
        select(table.c.tenant_id, table.c.id)
        .where(table.c.id > before, table.c.campaign_id == campaign_id, table.c.segments < 0)
        .order_by(table.c.tenant_id))
    return written, [(r.tenant_id, r.id) for r in unsure]


def dialect_insert_for(db: Database) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if db.is_postgres else sqlite.insert


async def prepare_and_release(db: Database, campaign: Campaign, settings: Settings, *,
                              on_chunk: OnChunk | None = None) -> tuple[str, int]:
    """Write the rows of a ``preparing`` campaign, then move it to ``scheduled`` or
    ``sending`` (the dispatcher may take them from then on); returns that status and the
    recipients. The campaign's ``launched_at``
    is the launch's "now", so a resumed preparation computes the same first sending time.

    A refusal (``Invalid``) deletes what was written and turns the campaign back into a
    draft, then raises. A cancel meanwhile answers ``cancelled``."""
    assert campaign.launched_at is not None and campaign.id is not None
    launched = campaign.launched_at
    first = first_send_at(campaign, launched, settings.tz)
    status = CampaignStatus.SCHEDULED if first > launched else CampaignStatus.SENDING
    try:
        written = await write_in_chunks(db, campaign, first, settings, launched, on_chunk=on_chunk)
    except Invalid:
        await _back_to_draft(db, campaign.id)
        raise
    except Stopped:
        await _cancel_written(db, campaign.id, launched)
        return CampaignStatus.CANCELLED, 0
    async with db.session() as session:
        moved = await session.execute(
            update(Campaign).where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.PREPARING)
            .values(status=status, send_at=first if status == CampaignStatus.SCHEDULED else campaign.send_at)
            .execution_options(synchronize_session=False))
        await session.commit()
    if moved.rowcount != 1:  # cancelled between the last chunk and now
        await _cancel_written(db, campaign.id, launched)
        return CampaignStatus.CANCELLED, written
    return status, written


async def _back_to_draft(db: Database, campaign_id: int) -> None:
    async with db.session() as session:
        await session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.PREPARING)
            .values(status=CampaignStatus.DRAFT, launched_at=None, launched_by=None)
            .execution_options(synchronize_session=False))
        await session.execute(delete(OutboxMessage).where(OutboxMessage.campaign_id == campaign_id,
                                                          OutboxMessage.status == OutboxStatus.PENDING))
        await session.commit()


async def _cancel_written(db: Database, campaign_id: int, now: datetime) -> None:
    """Rows a chunk committed after the cancel's own UPDATE of the outbox."""
    async with db.session() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.campaign_id == campaign_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED, error_reason="Campagne annulée.", updated_at=now)
            .execution_options(synchronize_session=False))
        await session.commit()


async def resume_stalled(db: Database, settings: Settings, now: datetime) -> int:
    """Run again the preparations left unfinished (the process died or lost the database
    mid-way). Returns how many were resumed; a refusal turns the campaign back into a draft."""
    async with db.session() as session:
        stalled = (await session.scalars(
            select(Campaign).where(Campaign.status == CampaignStatus.PREPARING,
                                   Campaign.launched_at < now - STALLED_AFTER))).all()
    resumed = 0
    for campaign in stalled:
        try:
            status, _ = await prepare_and_release(db, campaign, settings)
        except Invalid as exc:
            log.warning("campaign %s: preparation resumed and refused (%s): back to draft",
                        campaign.id, exc)
            continue
        log.warning("campaign %s: interrupted preparation resumed: %s", campaign.id, status)
        resumed += 1
    return resumed
