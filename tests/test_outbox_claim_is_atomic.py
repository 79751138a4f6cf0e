"""Two dispatchers working at once never claim the same row, so no number gets a message
twice (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)."""

from __future__ import annotations

import asyncio
from collections import Counter

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxStatus
from crm.campaigns.outbox import claim_due
from crm.keys import SMS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_a_claim_takes_at_most_its_limit(db, clock) -> None:
    await make_campaign(db, clock.now(), numbers(50))
    async with db.session() as session:
        first = await claim_due(session, clock.now(), 20)
        await session.commit()
    assert len(first) == 20
    statuses = [r.status for r in await rows(db)]
    assert statuses.count(OutboxStatus.SENDING) == 20 and statuses.count(OutboxStatus.PENDING) == 30


async def test_concurrent_claims_return_disjoint_batches(db, clock) -> None:
    await make_campaign(db, clock.now(), numbers(300))

    async def claim() -> list[int]:
        async with db.session() as session:
            got = await claim_due(session, clock.now(), 120)
            await asyncio.sleep(0)  # hold the transaction open while the other claims
            await session.commit()
        return [c.id for c in got]

    batches = await asyncio.gather(*(claim() for _ in range(3)))
    # Each claim takes at most its limit (PostgreSQL must not re-run the LIMIT … SKIP
    # LOCKED subquery and take more), and together they take every row once.
    assert sorted(len(batch) for batch in batches) == [60, 120, 120]
    claimed = [i for batch in batches for i in batch]
    assert len(claimed) == len(set(claimed)) == 300
    assert {r.status for r in await rows(db)} == {OutboxStatus.SENDING}
    assert all(r.attempts == 1 for r in await rows(db))


async def test_two_dispatchers_send_each_message_once(settings, db, clock,
                                                      twilio_standin: TwilioStandin) -> None:
    phones = numbers(120)
    await make_campaign(db, clock.now(), phones)
    twilio_standin.delay = 0.01
    first = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    second = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        counts = await asyncio.gather(dispatch_once(first, limit=50), dispatch_once(second, limit=50),
                                      dispatch_once(first, limit=50), dispatch_once(second, limit=50))
    finally:
        await first[SMS].close()
        await second[SMS].close()
    assert sum(counts) == 120
    per_number = Counter(r.to for r in twilio_standin.accepted)
    assert set(per_number) == set(phones) and set(per_number.values()) == {1}
    assert {r.status for r in await rows(db)} == {OutboxStatus.SENT}
