"""A Twilio answer slower than the client's timeout: the request left, Twilio has the
message, we never heard back. The message becomes "unknown" — never retried blindly — and
the reconciliation finds it at Twilio: exactly one SMS, then its sid and status."""

from __future__ import annotations

import pytest

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxStatus
from crm.campaigns.reconcile import reconcile
from crm.keys import SMS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


@pytest.fixture
async def tapp(settings, db, clock, twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    app = twilio_app(settings, db, clock, twilio_standin.url, timeout=0.5, sms_rate=0)
    yield app
    await app[SMS].close()


async def test_a_slow_answer_sends_exactly_one_message_then_it_is_reconciled(tapp, db, clock, twilio_standin):
    twilio_standin.delay = 1.5  # three times the client's timeout
    campaign = await make_campaign(db, clock.now(), numbers(3), urgent=True)
    await dispatch_once(tapp)
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.UNKNOWN}
    clock.advance(minutes=10)
    await dispatch_once(tapp)  # nothing is due again: unknown is not pending
    twilio_standin.delay = 0
    assert await reconcile(tapp) == 3
    final = await rows(db, campaign.id)
    assert {r.status for r in final} == {OutboxStatus.SENT}
    for row in final:
        [only] = twilio_standin.received_by(row.e164)  # exactly one message per number
        assert row.provider_sid == only.sid
    assert len(twilio_standin.requests) == 3
