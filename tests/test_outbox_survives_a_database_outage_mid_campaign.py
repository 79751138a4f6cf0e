"""PostgreSQL stopped in the middle of a campaign (a server this test owns, stopped with
``pg_ctl stop -m immediate``) and started again: every recipient gets exactly one message,
nothing is lost, and the campaign leaves "sending" within seconds of the restart — the
provider's answers received during the outage are kept and written when it ends."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from crm import schema
from crm.campaigns.dispatcher import start_dispatcher
from crm.campaigns.models import CampaignStatus, OutboxStatus
from crm.clock import Clock
from crm.db import Database
from crm.keys import SMS
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.pg_server import pg_server  # noqa: F401 - fixture
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401

RECIPIENTS = 150
RECOVERY_BOUND = 60.0  # seconds; a hang guard, the benchmark measures the real figure


async def _wait_for(predicate, bound: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not await predicate():
        if time.monotonic() - started > bound:
            raise AssertionError(f"not within {bound} s")
        await asyncio.sleep(0.05)  # polling a server that runs beside us, bounded above
    return time.monotonic() - started


async def test_a_campaign_recovers_from_an_outage_without_duplicates_or_losses(
        settings, twilio_standin: TwilioStandin, pg_server) -> None:  # noqa: F811
    db = Database(pg_server.url)
    await db.create_all(schema.metadata)
    clock = Clock()  # the dispatcher loop runs in real time here
    campaign = await make_campaign(db, clock.now(), numbers(RECIPIENTS), urgent=True)
    twilio_standin.delay = 0.2  # 20 calls in flight: the outage lands among them
    app = twilio_app(settings.model_copy(update={"database_url": pg_server.url}), db, clock,
                     twilio_standin.url, sms_rate=0)
    stop = await start_dispatcher(app)
    try:
        async def some_sent() -> bool:
            return len(twilio_standin.accepted) >= 40

        await _wait_for(some_sent, RECOVERY_BOUND)
        pg_server.stop("immediate")
        await asyncio.sleep(1.0)  # calls in flight finish while the database is down
        pg_server.start()

        async def done() -> bool:
            try:
                return await campaign_status(db, campaign.id) == CampaignStatus.DONE
            except Exception:  # noqa: BLE001 - the pool's first connections may be stale
                return False

        await _wait_for(done, RECOVERY_BOUND)
    finally:
        await stop()
        await app[SMS].close()
    final = await rows(db, campaign.id)
    await db.dispose()
    statuses = Counter(r.status for r in final)
    per_number = Counter(r.to for r in twilio_standin.accepted)
    assert sorted(per_number) == numbers(RECIPIENTS)  # nobody lost
    assert set(per_number.values()) == {1}  # nobody twice
    assert statuses == {OutboxStatus.SENT: RECIPIENTS}, statuses
    assert {r.provider_sid for r in final} == {r.sid for r in twilio_standin.accepted}
