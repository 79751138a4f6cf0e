"""The SMS rate shared by every process on PostgreSQL: ``CRM_SMS_RATE`` is the sender's total.

Twilio paces a sender, not a process: with ``serve --workers N`` (or several machines on one
database) each process running its own ``TokenBucket`` would hand over N times the rate. The
bucket therefore lives in one row of ``sms_rate_bucket``; a process takes tokens from it with
one statement (a CTE locks the row, refills it by the time elapsed since its last use, grants
what is asked if enough is there, and writes the rest back), so concurrent processes never
grant the same tokens twice.

Tokens are granted in small batches (``BATCH_SECONDS`` of the rate) so that every segment does
not cost a round trip; a batch a process holds and does not use soon (``HOLD_SECONDS``) is
dropped rather than spent later on top of the others' rate. Time is the injected clock's
(``:now`` is a parameter), so unit tests run on a ``FrozenClock`` with no real waiting; several
machines need synchronised clocks (NTP), and a clock behind the others only slows the rate
down (the row's time never goes backwards, except after a jump of more than a minute).

SQLite has one process: it keeps the in-process ``TokenBucket`` (``rate_limiter``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime

from sqlalchemy import DateTime, Float, bindparam, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from crm.campaigns.models import SmsRateBucket
from crm.campaigns.ratelimit import Sleep, TokenBucket
from crm.clock import Clock
from crm.db import Database, database_unreachable

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.2  # a grant is this much of the rate (rounded up to whole segments)
HOLD_SECONDS = 1.0  # granted tokens unused for this long are dropped
OUTAGE_RETRY_SECONDS = 1.0
SENDER = "sms"  # one sender (the Messaging Service or number of the settings): one row

# One statement, atomic under concurrency: FOR UPDATE makes a second process wait for the
# first one's grant and then read the row as it left it.
_TAKE = text("""
WITH cur AS (
    SELECT name, updated_at,
           LEAST(:cap, tokens + :rate * GREATEST(0.0, EXTRACT(EPOCH FROM (:now - updated_at))::float8))
               AS avail
    FROM sms_rate_bucket WHERE name = :name FOR UPDATE
), grant_ AS (
    SELECT name, updated_at, avail,
           CASE WHEN avail >= :threshold THEN GREATEST(:shortage, LEAST(:want, FLOOR(avail)))
                ELSE 0.0 END AS granted
    FROM cur
)
UPDATE sms_rate_bucket AS b
SET tokens = g.avail - g.granted,
    updated_at = CASE WHEN g.updated_at > :now + INTERVAL '60 seconds' THEN :now
                      ELSE GREATEST(g.updated_at, :now) END
FROM grant_ AS g
WHERE b.name = g.name
RETURNING g.avail, g.granted
""").bindparams(
    bindparam("now", type_=DateTime(timezone=True)),
    *(bindparam(n, type_=Float()) for n in ("cap", "rate", "threshold", "shortage", "want")),
)


class SharedTokenBucket:
    """A token bucket in ``sms_rate_bucket`` (PostgreSQL), in SMS segments per second."""

    def __init__(self, rate: float, clock: Clock, db: Database, *, name: str = SENDER,
                 sleep: Sleep | None = None, burst: float | None = None,
                 batch: float | None = None) -> None:
        self.rate = rate
        self.clock = clock
        self.db = db
        self.name = name
        self.sleep = sleep or clock.sleep
        # One second's worth, like the in-process bucket: a short burst, never a flood.
        self.capacity = burst if burst is not None else max(rate, 1.0)
        self.batch = batch if batch is not None else max(1, math.ceil(rate * BATCH_SECONDS))
        self.tokens = 0.0  # granted to this process, not spent yet
        self._granted_at: datetime | None = None
        # What the shared row held after this process' last look, and when: other processes
        # only ever take from it, so the wait this predicts is the shortest possible one.
        self._left: tuple[float, datetime] | None = None
        self.round_trips = 0  # statements on the shared row (for tests and the log)
        self._lock = asyncio.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    async def acquire(self, segments: int = 1) -> None:
        """Wait until ``segments`` may go. A message longer than the bucket still goes (the
        shared bucket goes into debt), so the average rate holds."""
        if self.unlimited:
            return
        async with self._lock:  # one round trip at a time per process; first come, first served
            outage = False
            granted_at = self._granted_at
            if granted_at is not None and (self.clock.now() - granted_at).total_seconds() > HOLD_SECONDS:
                self.tokens = 0.0  # stale: spending it now would add to the others' rate
            while self.tokens < segments:
                now = self.clock.now()
                shortage = segments - self.tokens
                want = max(shortage, float(self.batch))
                threshold = min(want, self.capacity)
                if self._left is not None:
                    left, seen = self._left
                    short = threshold - (left + (now - seen).total_seconds() * self.rate)
                    if short > 1e-9:  # surely not there yet: wait without asking
                        await self.sleep(short / self.rate)
                        continue
                try:
                    avail, granted = await self._take(now, shortage, want, threshold)
                except Exception as exc:
                    if not database_unreachable(exc):
                        raise
                    if not outage:
                        log.warning("SMS rate bucket: database unreachable; waiting for it")
                        outage = True
                    await self.sleep(OUTAGE_RETRY_SECONDS)
                    continue
                self._left = (avail - granted, now)
                if granted > 0:
                    self.tokens += granted
                    self._granted_at = now
                else:
                    await self.sleep(max((threshold - avail) / self.rate, 1e-3))
            self.tokens -= segments

    async def _take(self, now: datetime, shortage: float, want: float,
                    threshold: float) -> tuple[float, float]:
        params = {"name": self.name, "now": now, "cap": float(self.capacity),
                  "rate": float(self.rate), "threshold": float(threshold),
                  "shortage": float(shortage), "want": float(want)}
        async with self.db.engine.begin() as conn:
            self.round_trips += 1
            row = (await conn.execute(_TAKE, params)).first()
            if row is None:  # first use on this database: the bucket starts full
                await conn.execute(pg_insert(SmsRateBucket.__table__).values(
                    name=self.name, tokens=float(self.capacity), updated_at=now).on_conflict_do_nothing())
                self.round_trips += 1
                row = (await conn.execute(_TAKE, params)).first()
        assert row is not None
        return float(row[0]), float(row[1])


def rate_limiter(rate: float, clock: Clock, db: Database) -> TokenBucket | SharedTokenBucket:
    """The dispatcher's bucket: shared by every process on PostgreSQL (several workers or
    machines may send for the same sender), in-process on SQLite (one process)."""
    if db.is_postgres and rate > 0:
        return SharedTokenBucket(rate, clock, db)
    return TokenBucket(rate, clock)
