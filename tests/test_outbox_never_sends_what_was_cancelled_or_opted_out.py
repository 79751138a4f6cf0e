"""What must not go does not go: cancelled campaigns, and numbers that opted out after the
launch (except urgent outage alerts where the landlord allows it)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxStatus
from crm.keys import SMS
from crm.models import OptOutEvent
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_rows_of_a_cancelled_campaign_are_never_claimed(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    campaign = await make_campaign(db, clock.now(), numbers(4))
    async with db.session() as session:
        await session.execute(update(Campaign).where(Campaign.id == campaign.id)
                              .values(status=CampaignStatus.CANCELLED))
        await session.commit()
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        assert await dispatch_once(app) == 0
    finally:
        await app[SMS].close()
    assert twilio_standin.requests == []
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.PENDING}


async def _opt_out_after_launch(db, phone: str, at) -> None:  # type: ignore[no-untyped-def]
    # Written directly (not through record_opt_change) to model a STOP that arrived after the
    # launch without touching the outbox, e.g. from another process's import.
    async with db.session() as session:
        session.add(OptOutEvent(e164=phone, opted_out=True, at=at, source="sms"))
        await session.commit()


async def test_a_number_that_opted_out_since_the_launch_is_skipped(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    stopped, other = numbers(2)
    campaign = await make_campaign(db, clock.now(), [stopped, other])
    await _opt_out_after_launch(db, stopped, clock.now() + timedelta(minutes=1))
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        await dispatch_once(app)
    finally:
        await app[SMS].close()
    assert [r.to for r in twilio_standin.accepted] == [other]
    by_phone = {r.e164: r for r in await rows(db, campaign.id)}
    assert by_phone[stopped].status == OutboxStatus.CANCELLED
    assert "STOP" in by_phone[stopped].error_reason
    assert by_phone[other].status == OutboxStatus.SENT


async def test_an_urgent_outage_alert_reaches_an_opted_out_number_only_when_allowed(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    [phone] = numbers(1)
    await _opt_out_after_launch(db, phone, clock.now())
    refused = await make_campaign(db, clock.now(), [phone], category=Category.OUTAGE, urgent=True)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        await dispatch_once(app)
    finally:
        await app[SMS].close()
    assert twilio_standin.accepted == []
    assert (await rows(db, refused.id))[0].status == OutboxStatus.CANCELLED

    allowed = await make_campaign(db, clock.now(), [phone], category=Category.OUTAGE, urgent=True)
    works = await make_campaign(db, clock.now(), [phone], category=Category.WORKS, urgent=True)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0, alerts_ignore_opt_out=True)
    try:
        await dispatch_once(app)
    finally:
        await app[SMS].close()
    assert [r.to for r in twilio_standin.accepted] == [phone]
    assert (await rows(db, allowed.id))[0].status == OutboxStatus.SENT
    assert (await rows(db, works.id))[0].status == OutboxStatus.CANCELLED


async def test_a_message_in_flight_when_its_campaign_is_cancelled_is_not_retried(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    import asyncio

    from crm.campaigns.outbox import claim_due, complete_campaigns

    campaign = await make_campaign(db, clock.now(), numbers(1))
    twilio_standin.fail_next(1, status=500, code=None)
    twilio_standin.delay = 0.3  # the cancel lands while the provider call is in flight
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        dispatching = asyncio.create_task(dispatch_once(app))
        while not twilio_standin.requests:
            await asyncio.sleep(0.01)
        assert (await rows(db, campaign.id))[0].status == OutboxStatus.SENDING
        async with db.session() as session:
            await session.execute(update(Campaign).where(Campaign.id == campaign.id)
                                  .values(status=CampaignStatus.CANCELLED))
            await session.commit()
        await dispatching
    finally:
        await app[SMS].close()
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.CANCELLED
    clock.advance(hours=3)
    async with db.session() as session:
        assert await claim_due(session, clock.now(), 10) == []
        assert await complete_campaigns(session, [campaign.id]) == 0
    assert len(twilio_standin.requests) == 1
