"""On PostgreSQL the SMS rate is one bucket in the database (``sms_rate_bucket``) that every
process takes from: two buckets on the same database (two processes) hand over the rate
between them, not each. Time is a frozen clock: no real waiting."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from crm.campaigns.models import SmsRateBucket
from crm.campaigns.ratelimit import TokenBucket
from crm.campaigns.shared_ratelimit import SharedTokenBucket, rate_limiter
from crm.clock import FrozenClock
from crm.db import Database
from tests.conftest import DEFAULT_NOW, PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="the shared bucket is PostgreSQL's (SQLite has one process)")


def elapsed(clock: FrozenClock) -> float:
    return round((clock.now() - DEFAULT_NOW).total_seconds(), 6)


async def test_two_processes_share_one_rate_between_them(db: Database) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    first, second = SharedTokenBucket(4, clock, db), SharedTokenBucket(4, clock, db)
    times = []
    for i in range(12):  # they take turns, as two busy processes would
        await (first if i % 2 == 0 else second).acquire(1)
        times.append(elapsed(clock))
    # A burst of one second's worth (4), then 4 per second in total: 8 more take 2 s.
    assert times == [0, 0, 0, 0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    async with db.session() as session:
        bucket = await session.get(SmsRateBucket, "sms")
    assert bucket is not None and bucket.tokens == pytest.approx(0)


async def test_tokens_are_granted_in_batches_not_one_round_trip_per_segment(db: Database) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = SharedTokenBucket(50, clock, db)  # batches of 10 (0.2 s of the rate)
    updates = []
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: updates.append(statement)
                 if "UPDATE sms_rate_bucket" in statement else None)
    for _ in range(150):
        await bucket.acquire(1)
    assert elapsed(clock) == pytest.approx(2.0)  # 50 at once, then 100 at 50/s
    # The first look creates the row (2 statements), 4 more batches of the burst, then one
    # batch of 10 every 0.2 s (the process waits the time it can predict before asking).
    assert len(updates) == bucket.round_trips == 16


async def test_a_long_message_goes_and_the_shared_bucket_pays_its_debt(db: Database) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    first, second = SharedTokenBucket(2, clock, db), SharedTokenBucket(2, clock, db)
    await first.acquire(6)  # longer than the bucket (2): goes when it is full, 4 in debt
    assert elapsed(clock) == 0
    await second.acquire(1)  # the other process waits for the debt too: (4 + 1) / 2 s
    assert elapsed(clock) == pytest.approx(2.5)


async def test_granted_tokens_unused_for_a_while_are_dropped(db: Database) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = SharedTokenBucket(10, clock, db)  # batches of 2
    await bucket.acquire(1)
    assert bucket.tokens == 1  # one held for the next message
    clock.advance(seconds=5)
    await bucket.acquire(1)
    assert bucket.tokens == 1  # the stale one was dropped, a fresh batch taken
    async with db.session() as session:
        row = await session.scalar(select(SmsRateBucket).where(SmsRateBucket.name == "sms"))
    assert row is not None and row.tokens == pytest.approx(8)  # refilled to 10, 2 granted


async def test_the_dispatcher_uses_the_shared_bucket_on_postgresql_only(db: Database) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    assert isinstance(rate_limiter(10, clock, db), SharedTokenBucket)
    sqlite = Database("sqlite+aiosqlite:///:memory:")
    try:
        assert isinstance(rate_limiter(10, clock, sqlite), TokenBucket)
    finally:
        await sqlite.dispose()
