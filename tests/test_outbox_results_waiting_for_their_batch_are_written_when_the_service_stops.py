"""Results held for a larger write are not lost when the service stops: ``stop()`` lets the
calls in flight finish and writes every answer before it returns, so nothing handed over is
left "sending" (to become "unknown"); the rest stays pending for the next start."""

from __future__ import annotations

from collections import Counter

from crm.campaigns import dispatcher
from crm.campaigns.dispatcher import start_dispatcher
from crm.campaigns.models import OutboxStatus
from crm.keys import SMS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_stopping_writes_the_results_still_waiting_for_their_batch(
        settings, db, clock, twilio_standin: TwilioStandin, monkeypatch) -> None:
    # Neither the timer nor a full batch would write them: only the stop does.
    monkeypatch.setattr(dispatcher, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(dispatcher, "FLUSH_ROWS", 100_000)
    campaign = await make_campaign(db, clock.now(), numbers(200), urgent=True)
    twilio_standin.delay = 0.1
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        stop = await start_dispatcher(app)
        await twilio_standin.received.wait()  # the loop is sending
        await stop()
    finally:
        await app[SMS].close()
    stored = await rows(db, campaign.id)
    statuses = Counter(r.status for r in stored)
    assert set(statuses) == {OutboxStatus.SENT, OutboxStatus.PENDING}, statuses
    assert 0 < statuses[OutboxStatus.SENT] == len(twilio_standin.accepted) < 200
    assert ({r.provider_sid for r in stored if r.status == OutboxStatus.SENT}
            == {r.sid for r in twilio_standin.accepted})
