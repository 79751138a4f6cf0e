"""The outbox dispatcher: claims due rows, hands them to the SMS transport, records results.

Every process runs one (claims are atomic: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on
SQLite there is one process). A row is committed ``sending`` before the provider call, so a
crash can never make it go twice: at the next start it shows as ``unknown``. A provider call
that left without an answer (a read timeout) is ``unknown`` too, never retried blindly; the
reconciliation job settles unknown rows by asking the provider.

One ``Dispatcher`` per process, kept under ``app[DISPATCHER]`` (built by ``crm/app.py``
from what it uses: database, clock, settings, transport, metrics). ``dispatch_once()``
processes what is due now (tests, deterministic); ``start()`` runs it in a loop and
``stop()`` ends it gracefully; ``wake()`` nudges the loop after a launch so messages do not
wait for the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select

from crm.campaigns import outbox
from crm.campaigns.delivery import apply_early_reports_if_any
from crm.campaigns.models import Campaign
from crm.campaigns.rules import ignores_opt_out, next_allowed
from crm.campaigns.shared_ratelimit import rate_limiter
from crm.clock import Clock
from crm.config import Settings
from crm.db import Database, database_unreachable
from crm.metrics import Metrics
from crm.sms import twilio_errors
from crm.sms.transport import SmsError, SmsTransport
from crm.tenants.optouts import record_opt_change

log = logging.getLogger(__name__)

# Rows one dispatch_once() handles at most before looking around again (campaigns done, the
# stale sweep), and the seconds it goes on claiming: the bound that holds under a rate limit.
# Between batches the workers run dry (the last calls, the last results, the next claim):
# a few thousand rows make that a small share of a campaign sent at full speed.
BATCH = 5000
BATCH_SECONDS = 10.0
CONCURRENCY = 20  # provider calls in flight
# Rows are claimed a few dozen at a time, when fewer than half a chunk wait for a worker: a
# crash then leaves at most CONCURRENCY + 1.5 × the chunk rows "sending" (then shown
# "unknown"), never a whole campaign. Bigger chunks: fewer claim transactions, more at stake.
# Without a rate limit the chunk doubles (up to MAX_CLAIM_CHUNK) each time the workers ran
# dry waiting for a claim, and keeps that size for the next batches: sized to keep them
# busy, not larger.
CLAIM_CHUNK = 50
MAX_CLAIM_CHUNK = 400
POLL_SECONDS = 2.0  # idle wait between looks at the outbox (wake() cuts it short)
STALE_SWEEP_SECONDS = 60.0
SHUTDOWN_GRACE = 20.0  # seconds a stopping process waits for the batch in hand
# Results are written when this many wait, or this long after the first one (or at once at
# the end of a batch): a few large transactions a second rather than one per message.
FLUSH_ROWS = 500
FLUSH_SECONDS = 0.2
WRITE_RETRY_SECONDS = 1.0  # between tries to record results while the database is down
# PostgreSQL, several processes: a claim this old has no live caller any more (the transport
# gives up after 15 s), so it is marked unknown without waiting for a restart.
STALE_SENDING = timedelta(minutes=5)
BACKOFF_BASE = 30.0  # seconds before the 2nd try; doubles each time
BACKOFF_CAP = 3600.0
MAX_ATTEMPTS = 8  # then the message is given up as failed

OPTED_OUT_REASON = "Le destinataire a demandé l'arrêt des SMS (STOP)."
GIVEN_UP_REASON = "Échecs temporaires répétés : abandon après {n} essais ({last})"


def status_callback_url(settings: Settings) -> str:
    return f"{settings.public_url}/webhooks/twilio/status"


def backoff_seconds(attempts: int, retry_after: float | None = None,
                    rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter (so retries of a big campaign do not come back as
    one wave); never sooner than the provider's Retry-After."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    delay = (rng or random).uniform(ceiling / 2, ceiling)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


@dataclass
class _Result:
    row: outbox.Claimed
    at: datetime
    sid: str | None = None
    error: SmsError | None = None


class _Writer:
    """Writes results in bulk: a transaction takes what gathered while the previous one was
    written (group commit), and waits for up to ``FLUSH_ROWS`` results or ``FLUSH_SECONDS``
    after the first one, so a busy dispatcher writes a few large transactions a second
    rather than many small ones. ``flush()`` (the end of every ``dispatch_once``, so a stop
    too) writes what is waiting at once. A crash loses at most the results of that short
    while: their rows stay ``sending`` (then ``unknown``), never ``pending`` again."""

    def __init__(self, dispatcher: Dispatcher, campaigns: dict[int, Campaign]) -> None:
        self.dispatcher = dispatcher
        self.campaigns = campaigns  # filled by the claims
        self.results: list[_Result] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()  # enough results, or flush(): write without waiting
        self._flushing = False
        self.writes = 0  # transactions written (for tests and benchmarks)

    def add(self, result: _Result) -> None:
        self.results.append(result)
        if len(self.results) >= FLUSH_ROWS:
            self._ready.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def _gather(self) -> None:
        """Let results gather for a transaction: up to FLUSH_ROWS, FLUSH_SECONDS at most."""
        if self._flushing or len(self.results) >= FLUSH_ROWS:
            return
        self._ready.clear()
        try:
            await asyncio.wait_for(self._ready.wait(), FLUSH_SECONDS)
        except TimeoutError:
            pass

    async def _drain(self) -> None:
        outage_logged = False
        while self.results:
            await self._gather()
            results, self.results = self.results, []
            try:
                await self._write(results)
            except Exception as exc:  # noqa: BLE001
                if not database_unreachable(exc):  # a bug: the rows stay "sending", then "unknown"
                    log.exception("could not record %s SMS results", len(results))
                    continue
                # The provider's answers are the truth about these rows: keep them until the
                # database is back rather than leave the rows "sending" (then "unknown").
                if not outage_logged:
                    log.warning("database unreachable: keeping %s SMS results until it is back",
                                len(results))
                    outage_logged = True
                self.results[:0] = results
                await asyncio.sleep(WRITE_RETRY_SECONDS)

    async def flush(self) -> None:
        """Write every result added so far, now (durable when this returns, unless the
        database is unreachable: then it keeps trying)."""
        self._flushing = True
        self._ready.set()
        try:
            while self._task is not None and not self._task.done():
                await self._task
            if self.results:
                await self._drain()
        finally:
            self._flushing = False

    async def _write(self, results: list[_Result]) -> None:
        d = self.dispatcher
        tz = d.settings.tz
        sent: list[dict[str, Any]] = []
        retry: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        unknown: list[dict[str, Any]] = []
        opted_out: list[_Result] = []
        for r in results:
            if r.error is None:
                sent.append({"b_id": r.row.id, "b_sid": r.sid, "b_at": r.at})
                continue
            err = r.error
            if err.outcome_unknown:
                # The request left and no answer came: sending again could send it twice.
                # The reconciliation asks the provider (crm/campaigns/reconcile.py).
                unknown.append({"b_id": r.row.id, "b_reason": (err.reason or "")[:255], "b_at": r.at})
                continue
            if err.permanent or r.row.attempts >= MAX_ATTEMPTS:
                reason = err.reason if err.permanent else GIVEN_UP_REASON.format(
                    n=r.row.attempts, last=err.reason)
                failed.append({"b_id": r.row.id, "b_code": err.code, "b_reason": reason[:255],
                               "b_at": r.at})
                if err.code == twilio_errors.OPTED_OUT:
                    opted_out.append(r)
                continue
            next_try = r.at + timedelta(seconds=backoff_seconds(r.row.attempts, err.retry_after))
            campaign = self.campaigns.get(r.row.campaign_id)
            if campaign is not None:
                next_try = next_allowed(campaign, next_try, tz)
            retry.append({"b_id": r.row.id, "b_next": next_try, "b_code": err.code,
                          "b_reason": (err.reason or "")[:255], "b_at": r.at})
        sids = [p["b_sid"] for p in sent]
        async with d.db.session() as session:
            await outbox.mark_sent(session, sent)
            for stmt, params in ((outbox.MARK_RETRY, retry),
                                 (outbox.MARK_FAILED, failed), (outbox.MARK_UNKNOWN, unknown)):
                if params:
                    await session.execute(stmt, params)
            if retry:
                await outbox.cancel_if_campaign_cancelled(
                    session, [p["b_id"] for p in retry], results[-1].at)
            for r in opted_out:
                # Twilio knows the number replied STOP to our sender: keep that in our records.
                await record_opt_change(session, r.row.e164, opted_out=True, at=r.at,
                                        source="twilio_21610", tenant_id=r.row.tenant_id)
            # Reports that came before these sids were recorded (crm/campaigns/delivery.py):
            # looked for once the sids are visible to a report's own look. SQLite has one
            # writer at a time, so within this transaction; PostgreSQL, after its commit.
            early_in_transaction = bool(sids) and not d.db.is_postgres
            if early_in_transaction:
                await apply_early_reports_if_any(session, sids)
            await session.commit()
            self.writes += 1
            if sids and not early_in_transaction:
                await apply_early_reports_if_any(session, sids)
                await session.commit()
        self._count(len(sent), results)

    def _count(self, sent: int, results: list[_Result]) -> None:
        m = self.dispatcher.metrics
        if sent:
            m.sms_handed_over.inc(sent)
        if sent < len(results):
            refused = Counter(str(r.error.permanent).lower() for r in results if r.error is not None)
            for permanent, n in refused.items():
                m.sms_failed.labels(permanent=permanent).inc(n)


class Dispatcher:
    """The outbox dispatcher of this process."""

    def __init__(self, *, db: Database, clock: Clock, settings: Settings, transport: SmsTransport,
                 metrics: Metrics) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.transport = transport
        self.metrics = metrics
        # CRM_SMS_RATE is the sender's total: on PostgreSQL the bucket is a row every
        # process shares (crm/campaigns/shared_ratelimit.py).
        self.bucket = rate_limiter(settings.sms_rate, clock, db)
        # Set by wake(); the loop clears it before each look at the outbox, so a wake() during
        # a batch is not lost. Setting it when no loop runs is harmless.
        self.wakeup = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        # Without a rate limit, the claim size the workers needed so far: the next batch
        # starts there instead of growing again from CLAIM_CHUNK.
        self._claim_chunk = CLAIM_CHUNK

    def _may_ignore_opt_out(self, campaign_id: int, campaigns: dict[int, Campaign]) -> bool:
        from crm.campaigns.direct import CONFIRMATION_KIND

        campaign = campaigns.get(campaign_id)
        if campaign is not None and campaign.kind == CONFIRMATION_KIND:
            return True  # the opt-out's own confirmation
        return campaign is not None and ignores_opt_out(campaign, self.settings)

    async def _claim(self, limit: int,
                     campaigns: dict[int, Campaign]) -> tuple[list[outbox.Claimed], int]:
        """Claim up to ``limit`` due rows (committed ``sending``). Returns those to send (not
        the numbers that opted out since the launch: cancelled in the same transaction) and
        how many were claimed."""
        now = self.clock.now()
        async with self.db.session() as session:
            claimed = await outbox.claim_due(session, now, limit)
            if not claimed:
                await session.commit()
                return [], 0
            missing = {c.campaign_id for c in claimed} - campaigns.keys()
            if missing:
                for campaign in (await session.scalars(
                        select(Campaign).where(Campaign.id.in_(missing)))).all():
                    campaigns[campaign.id] = campaign  # type: ignore[index]  # a loaded row has its id
            # Opt-outs recorded since the launch win over the launch's list.
            skipped = {c.id for c in claimed if c.opted_out
                       and not self._may_ignore_opt_out(c.campaign_id, campaigns)}
            if skipped:
                await session.execute(outbox.MARK_CANCELLED, [
                    {"b_id": i, "b_reason": OPTED_OUT_REASON, "b_at": now} for i in skipped])
            await session.commit()  # rows are "sending" before any provider call
        return [c for c in claimed if c.id not in skipped], len(claimed)

    async def dispatch_once(self, limit: int = BATCH) -> int:
        """Send what is due now, up to ``limit`` rows, and record the results. Returns the
        number of rows claimed (sent, retried, failed or skipped)."""
        clock = self.clock
        transport = self.transport
        bucket = self.bucket
        callback = status_callback_url(self.settings)
        campaigns: dict[int, Campaign] = {}
        writer = _Writer(self, campaigns)
        queue: deque[outbox.Claimed] = deque()
        refill_task: asyncio.Task[None] | None = None
        claimed = 0
        exhausted = False
        claim_error: Exception | None = None
        # Under a rate limit, claim and hold no more than about a second's worth of rows: a
        # row waiting for its turn is "sending" already, and a crash would turn it "unknown".
        chunk = (self._claim_chunk if bucket.unlimited
                 else max(1, min(CLAIM_CHUNK, math.ceil(bucket.rate))))
        low_water = max(1, chunk // 2)
        # Enough workers to keep the rate with provider calls of up to 2 s, no more.
        workers = CONCURRENCY if bucket.unlimited else min(CONCURRENCY, 2 * chunk)

        loop = asyncio.get_running_loop()
        claim_until = loop.time() + BATCH_SECONDS

        async def refill() -> None:
            nonlocal claimed, exhausted, claim_error
            if self._stopping or (claimed and loop.time() >= claim_until):
                # Shutting down, or time to look around: finish what is in hand, claim no more.
                exhausted = True
                return
            try:
                rows, n = await self._claim(min(chunk, limit - claimed), campaigns)
            except Exception as exc:  # noqa: BLE001 - raised once the rows in hand are recorded
                exhausted = True  # finish what is in hand; the loop logs and tries again later
                claim_error = exc
                return
            claimed += n
            if not n or claimed >= limit:
                exhausted = True
            queue.extend(rows)

        grown_for: asyncio.Task[None] | None = None  # the claim the chunk last grew for

        def refilling() -> bool:
            return refill_task is not None and not refill_task.done()

        async def next_row() -> outbox.Claimed | None:
            nonlocal refill_task, chunk, low_water, grown_for
            while True:
                # Claim the next rows while the workers still have some: they never wait idle
                # for a claim, and only a few rows sit "sending" ahead of the calls.
                if not exhausted and not refilling() and len(queue) < low_water:
                    refill_task = asyncio.create_task(refill())
                if queue:
                    return queue.popleft()
                if refilling():
                    if (bucket.unlimited and chunk < MAX_CLAIM_CHUNK and claimed
                            and grown_for is not refill_task):
                        # Ran dry while a claim was on its way: claim more at a time.
                        grown_for = refill_task
                        chunk = self._claim_chunk = min(MAX_CLAIM_CHUNK, chunk * 2)
                        low_water = chunk // 2
                    await asyncio.shield(refill_task)
                elif exhausted:
                    return None

        unlimited = bucket.unlimited  # CRM_SMS_RATE=0: no limiter call at all

        async def worker() -> None:
            while (row := await next_row()) is not None:
                if not unlimited:
                    await bucket.acquire(row.segments)
                try:
                    sid = await transport.send(row.e164, row.body, status_callback=callback)
                    writer.add(_Result(row, clock.now(), sid=sid))
                except SmsError as exc:
                    log.info("sms %s: %s (code %s)", row.id,
                             "refused" if exc.permanent else "retry later", exc.code)
                    writer.add(_Result(row, clock.now(), error=exc))
                except Exception as exc:  # noqa: BLE001 - an unexpected bug must not lose the row
                    log.exception("sms %s: unexpected error", row.id)
                    writer.add(_Result(row, clock.now(), error=SmsError(
                        str(exc), permanent=False, reason=twilio_errors.UNAVAILABLE)))

        await asyncio.gather(*(worker() for _ in range(workers)))
        await writer.flush()
        if claim_error is not None:
            raise claim_error
        if campaigns:
            async with self.db.session() as session:
                await outbox.complete_campaigns(session, campaigns.keys())
                await session.commit()
        return claimed

    async def recover_interrupted(self, *, at_start: bool) -> int:
        """Rows left ``sending`` become ``unknown``. At start on SQLite (one process) all of
        them; on PostgreSQL other processes may be mid-call, so only stale claims."""
        db = self.db
        older_than = None if (at_start and not db.is_postgres) else STALE_SENDING
        async with db.session() as session:
            n = await outbox.mark_interrupted_unknown(session, self.clock.now(), older_than)
            if n:
                await outbox.complete_campaigns(session)
            await session.commit()
        if n:
            log.warning("%s SMS found interrupted while sending: marked unknown (not re-sent)", n)
        return n

    def wake(self) -> None:
        """Tell the running loop there is work now."""
        self.wakeup.set()

    async def start(self) -> None:
        """Mark what a previous run left ``sending`` as unknown, then run the dispatch loop."""
        await self.recover_interrupted(at_start=True)
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="outbox-dispatcher")

    async def _loop(self) -> None:
        last_sweep = asyncio.get_running_loop().time()
        outage = False
        while not self._stopping:
            self.wakeup.clear()  # before looking, so a wake() during the batch is not lost
            try:
                n = await self.dispatch_once()
                now = asyncio.get_running_loop().time()
                if now - last_sweep > STALE_SWEEP_SECONDS:
                    last_sweep = now
                    await self.recover_interrupted(at_start=False)
                if outage:
                    log.warning("outbox dispatcher: database reachable again")
                    outage = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not database_unreachable(exc):
                    log.exception("outbox dispatcher failed; trying again shortly")
                elif not outage:  # one line per outage, not a traceback every poll
                    log.warning("outbox dispatcher: database unreachable; trying again every %s s",
                                POLL_SECONDS)
                    outage = True
                n = 0
            if n:
                continue  # more may be due right now
            try:
                await asyncio.wait_for(self.wakeup.wait(), POLL_SECONDS)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        """Let the rows in hand finish (they would otherwise end up "unknown"), then end."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.wakeup.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), SHUTDOWN_GRACE)
        except TimeoutError:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._stopping = False


DISPATCHER = web.AppKey("dispatcher", Dispatcher)


# Shorthands for tests and scripts holding an app.

async def dispatch_once(app: web.Application, limit: int = BATCH) -> int:
    return await app[DISPATCHER].dispatch_once(limit)


async def recover_interrupted(app: web.Application, *, at_start: bool) -> int:
    return await app[DISPATCHER].recover_interrupted(at_start=at_start)


async def start_dispatcher(app: web.Application) -> Callable[[], Awaitable[None]]:
    """Start the app's dispatcher loop; return a coroutine function that stops it."""
    dispatcher = app[DISPATCHER]
    await dispatcher.start()
    return dispatcher.stop
