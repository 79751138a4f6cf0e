"""The shared SMS rate bucket lives in PostgreSQL: while the database is down a process waits
for it (one warning, tries every second of the injected clock) instead of failing the
messages in hand, and grants again once the server is back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from crm import schema
from crm.campaigns.shared_ratelimit import OUTAGE_RETRY_SECONDS, SharedTokenBucket
from crm.clock import FrozenClock
from crm.db import Database
from tests.conftest import DEFAULT_NOW
from tests.support.pg_server import (
    OwnPostgres,
    pg_server,  # noqa: F401 - fixture
)


async def test_the_bucket_waits_for_the_database_and_then_grants(
        pg_server: OwnPostgres, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    db = Database(pg_server.url)
    await db.create_all(schema.metadata)
    clock = FrozenClock(DEFAULT_NOW)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds=seconds)
        await asyncio.sleep(0.02)  # real time passes too, so the server can come back

    bucket = SharedTokenBucket(2, clock, db, sleep=sleep)
    try:
        await bucket.acquire(2)  # the burst: the bucket is empty now
        pg_server.stop("immediate")
        caplog.set_level(logging.WARNING, logger="crm.campaigns.shared_ratelimit")
        waiting = asyncio.create_task(bucket.acquire(1))
        for _ in range(500):  # bounded: until it has tried and waited a few times
            if waits.count(OUTAGE_RETRY_SECONDS) >= 3:
                break
            await asyncio.sleep(0.02)
        assert not waiting.done()
        assert waits.count(OUTAGE_RETRY_SECONDS) >= 3
        pg_server.start()
        await asyncio.wait_for(waiting, 60)
        assert bucket.tokens == 0  # the message's segment was granted
        warnings = [r.getMessage() for r in caplog.records]
        assert warnings == ["SMS rate bucket: database unreachable; waiting for it"]  # one line
    finally:
        await db.dispose()
