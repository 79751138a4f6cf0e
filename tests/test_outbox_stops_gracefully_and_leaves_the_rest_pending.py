"""Stopping the service lets the messages in hand finish and claims nothing more: nothing
is left "sending" (to become "unknown"), the rest waits, pending, for the next start."""

from __future__ import annotations

import asyncio
from collections import Counter

from crm.campaigns.dispatcher import start_dispatcher
from crm.campaigns.models import CampaignStatus, OutboxStatus
from crm.keys import SMS
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_stopping_finishes_the_calls_in_flight_and_leaves_the_rest_pending(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    campaign = await make_campaign(db, clock.now(), numbers(200), urgent=True)
    twilio_standin.delay = 0.2
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        stop = await start_dispatcher(app)
        while not twilio_standin.requests:  # the loop has started sending
            await asyncio.sleep(0.01)
        await stop()
        statuses = Counter(r.status for r in await rows(db, campaign.id))
        assert set(statuses) == {OutboxStatus.SENT, OutboxStatus.PENDING}, statuses
        assert statuses[OutboxStatus.SENT] == len(twilio_standin.accepted) < 200
        assert await campaign_status(db, campaign.id) == CampaignStatus.SENDING

        stop = await start_dispatcher(app)  # the next start sends the rest
        twilio_standin.delay = 0
        for _ in range(500):
            if await campaign_status(db, campaign.id) == CampaignStatus.DONE:
                break
            await asyncio.sleep(0.02)
        await stop()
    finally:
        await app[SMS].close()
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
    assert sorted(r.to for r in twilio_standin.accepted) == numbers(200)
