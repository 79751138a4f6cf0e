"""A dispatch batch claims for BATCH_SECONDS at most, then finishes what it holds and
returns (the loop then closes finished campaigns and sweeps stale claims): a large batch
never keeps the dispatcher from looking around, even under a slow rate."""

from __future__ import annotations

from crm.campaigns import dispatcher
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import CampaignStatus, OutboxStatus
from crm.keys import SMS
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_a_batch_past_its_time_claims_no_more_and_the_next_one_goes_on(
        settings, db, clock, twilio_standin: TwilioStandin, monkeypatch) -> None:
    monkeypatch.setattr(dispatcher, "BATCH_SECONDS", 0.0)  # past its time after the first claim
    campaign = await make_campaign(db, clock.now(), numbers(120), urgent=True)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        first = await dispatch_once(app)
        assert 0 < first < 120  # one claim, sent and recorded
        statuses = {r.status for r in await rows(db, campaign.id)}
        assert statuses == {OutboxStatus.SENT, OutboxStatus.PENDING}
        total = first
        while n := await dispatch_once(app):
            total += n
    finally:
        await app[SMS].close()
    assert total == 120
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
