"""One SMS to one person goes through the outbox like a campaign, at once, and never to a
number that opted out."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from crm.campaigns.direct import send_direct_sms
from crm.campaigns.dispatcher import DISPATCHER, dispatch_once
from crm.campaigns.models import Campaign, CampaignStatus, OutboxStatus
from crm.errors import Invalid
from crm.keys import SMS
from crm.models import OptOutEvent
from tests.conftest import PARIS
from tests.support.outbox import rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401

PHONE = "+33612345678"


@pytest.fixture
async def tapp(settings, db, clock, twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    yield app
    await app[SMS].close()


async def test_a_direct_sms_is_queued_as_a_one_row_campaign_and_sent(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    message = await send_direct_sms(tapp, tenant_id=None, e164=PHONE, body="Bonjour, votre RDV est confirmé.",
                                    user_id=None, agency_id=None)
    assert message.id and message.status == OutboxStatus.PENDING and message.segments == 1
    async with db.session() as session:
        campaign = await session.get(Campaign, message.campaign_id)
    assert (campaign.kind, campaign.urgent, campaign.category, campaign.status) == (
        "direct", True, "information", CampaignStatus.SENDING)
    assert await dispatch_once(tapp) == 1
    [req] = twilio_standin.accepted
    assert (req.to, req.body) == (PHONE, "Bonjour, votre RDV est confirmé.")
    [row] = await rows(db)
    assert row.status == OutboxStatus.SENT and row.provider_sid == req.sid
    async with db.session() as session:
        assert (await session.get(Campaign, message.campaign_id)).status == CampaignStatus.DONE


async def test_a_direct_sms_goes_even_outside_campaign_hours(tapp, db, clock,
                                                             twilio_standin: TwilioStandin) -> None:
    clock.set(datetime(2026, 11, 22, 21, 0, tzinfo=PARIS))  # Sunday evening
    await send_direct_sms(tapp, tenant_id=None, e164=PHONE, body="Réponse", user_id=None, agency_id=None)
    assert await dispatch_once(tapp) == 1
    assert len(twilio_standin.accepted) == 1


async def test_a_number_that_opted_out_is_refused(tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    async with db.session() as session:
        session.add(OptOutEvent(e164=PHONE, opted_out=True, at=clock.now(), source="sms"))
        await session.commit()
    with pytest.raises(Invalid) as info:
        await send_direct_sms(tapp, tenant_id=None, e164=PHONE, body="Bonjour", user_id=None, agency_id=None)
    assert info.value.code == "opted_out" and info.value.status == 422
    assert await rows(db) == []
    async with db.session() as session:
        assert (await session.scalars(select(Campaign))).all() == []


@pytest.mark.parametrize(("body", "code"), [("   ", "empty_body"), ("a" * 1601, "body_too_long")])
async def test_an_empty_or_too_long_body_is_refused(tapp, db, body: str, code: str) -> None:
    with pytest.raises(Invalid) as info:
        await send_direct_sms(tapp, tenant_id=None, e164=PHONE, body=body, user_id=None, agency_id=None)
    assert info.value.code == code
    assert await rows(db) == []


async def test_sending_wakes_the_running_dispatcher(tapp, db) -> None:
    event = tapp[DISPATCHER].wakeup
    assert not event.is_set()
    await send_direct_sms(tapp, tenant_id=None, e164=PHONE, body="Bonjour", user_id=None, agency_id=None)
    assert event.is_set()
