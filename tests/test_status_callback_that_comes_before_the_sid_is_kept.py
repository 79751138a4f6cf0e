"""A delivery report can reach the service before the outbox has recorded the sid it names
(the dispatcher writes sids in batches just after Twilio answers). It is kept, by sid, and
applied when the sid is recorded — never dropped with a 200; kept reports nobody claims are
forgotten after an hour."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from crm.campaigns.delivery import EARLY_REPORT_KEPT
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import EarlyDeliveryReport, OutboxStatus
from crm.campaigns.reconcile import reconcile
from crm.keys import SETTINGS, SMS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import AUTH_TOKEN, TwilioStandin, twilio_standin  # noqa: F401


@pytest.fixture
async def tapp(settings, db, clock, twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    app = twilio_app(settings, db, clock, twilio_standin.url, timeout=5.0, sms_rate=0)
    yield app
    await app[SMS].close()


async def _kept(db) -> int:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(EarlyDeliveryReport)) or 0


async def test_a_delivered_that_arrives_before_the_sid_is_kept(tapp, db, clock, twilio_standin, aiohttp_client):
    client = await aiohttp_client(tapp)
    twilio_standin.report_before_answer = "delivered"
    twilio_standin.callback_base = str(client.make_url("/webhooks/"))
    campaign = await make_campaign(db, clock.now(), numbers(2), urgent=True)
    await dispatch_once(tapp)
    assert [(status, code) for _, status, code in twilio_standin.callbacks] == [("delivered", 200)] * 2
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.DELIVERED}
    assert await _kept(db) == 0  # applied, then forgotten


async def test_a_report_for_a_sid_nobody_records_is_forgotten_after_an_hour(tapp, db, clock, aiohttp_client):
    client = await aiohttp_client(tapp)
    params = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "delivered"}
    url = tapp[SETTINGS].public_url + "/webhooks/twilio/status"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    resp = await client.post("/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature})
    assert resp.status == 200
    assert await _kept(db) == 1
    clock.advance(seconds=EARLY_REPORT_KEPT.total_seconds() + 1)
    await reconcile(tapp)
    assert await _kept(db) == 0
