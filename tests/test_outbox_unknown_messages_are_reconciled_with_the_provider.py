"""Reconciliation: a message whose fate is unknown is looked up at Twilio (the real SDK
against the stand-in, which lists and fetches like Twilio): found → its real status and
sid, nothing sent again; surely absent after the listing delay → sent again once, never
twice; a message stuck in "sent" (its report lost) is refreshed; the campaign page counts
what was reconciled."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxMessage, OutboxStatus
from crm.campaigns.reconcile import ABSENT_TWICE_REASON, reconcile
from crm.keys import SMS
from tests.support.factories import make_user, page_login
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401

DELAY = 300  # seconds: the provider's listing delay in these tests


@pytest.fixture
async def tapp(settings, db, clock, twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    app = twilio_app(settings, db, clock, twilio_standin.url, timeout=2.0, sms_rate=0,
                     provider_listing_delay_seconds=DELAY, status_refresh_after_minutes=30)
    yield app
    await app[SMS].close()


async def _set(db, row_id: int, **values) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))
        await session.commit()


async def _unknown_campaign(db, clock, n: int = 1):  # type: ignore[no-untyped-def]
    campaign = await make_campaign(db, clock.now(), numbers(n))
    for row in await rows(db, campaign.id):
        await _set(db, row.id, status=OutboxStatus.UNKNOWN, attempts=1, updated_at=clock.now())
    return campaign


async def test_an_unknown_message_twilio_has_gets_its_sid_and_status_and_is_not_resent(
        tapp, db, clock, twilio_standin):
    campaign = await _unknown_campaign(db, clock)
    [row] = await rows(db, campaign.id)
    sid = await tapp[SMS].send(row.e164, row.body)  # Twilio took it; our process never heard back
    assert await reconcile(tapp) == 1
    [row] = await rows(db, campaign.id)
    assert (row.status, row.provider_sid) == (OutboxStatus.SENT, sid)
    assert row.reconciled_at == clock.now()
    clock.advance(seconds=DELAY + 1)
    await reconcile(tapp)
    await dispatch_once(tapp)
    assert len(twilio_standin.received_by(row.e164)) == 1


async def test_an_other_campaigns_message_with_the_same_text_is_not_taken_for_ours(
        tapp, db, clock, twilio_standin):
    first = await make_campaign(db, clock.now(), numbers(1))
    await dispatch_once(tapp)  # sent and recorded
    [sent] = await rows(db, first.id)
    clock.advance(minutes=1)
    second = await _unknown_campaign(db, clock)
    assert await reconcile(tapp) == 0  # only the first campaign's message is listed
    [row] = await rows(db, second.id)
    assert row.status == OutboxStatus.UNKNOWN and row.provider_sid is None
    assert sent.provider_sid


async def test_an_unknown_message_absent_after_the_listing_delay_is_sent_again_once(
        tapp, db, clock, twilio_standin):
    campaign = await _unknown_campaign(db, clock)
    assert await reconcile(tapp) == 0  # not listed yet: maybe only slow to appear
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.UNKNOWN
    clock.advance(seconds=DELAY + 1)
    assert await reconcile(tapp) == 1
    [row] = await rows(db, campaign.id)
    assert (row.status, row.resent) == (OutboxStatus.PENDING, True)
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.SENT
    assert len(twilio_standin.received_by(row.e164)) == 1


async def test_a_resent_message_uncertain_again_and_absent_is_not_sent_a_third_time(
        tapp, db, clock, twilio_standin):
    campaign = await _unknown_campaign(db, clock)
    [row] = await rows(db, campaign.id)
    await _set(db, row.id, resent=True)
    clock.advance(seconds=DELAY + 1)
    await reconcile(tapp)
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert (row.status, row.error_reason) == (OutboxStatus.FAILED, ABSENT_TWICE_REASON)
    assert twilio_standin.accepted == []


async def test_an_unknown_message_with_a_sid_is_fetched(tapp, db, clock, twilio_standin):
    campaign = await _unknown_campaign(db, clock)
    [row] = await rows(db, campaign.id)
    sid = await tapp[SMS].send(row.e164, row.body)
    twilio_standin.set_status(sid, "delivered")
    await _set(db, row.id, provider_sid=sid)
    assert await reconcile(tapp) == 1
    [row] = await rows(db, campaign.id)
    assert (row.status, row.delivered_at) == (OutboxStatus.DELIVERED, clock.now())


async def test_a_message_stuck_in_sent_is_refreshed_after_the_setting(tapp, db, clock, twilio_standin):
    campaign = await make_campaign(db, clock.now(), numbers(2))
    await dispatch_once(tapp)
    [one, two] = await rows(db, campaign.id)
    twilio_standin.set_status(one.provider_sid, "delivered")
    twilio_standin.set_status(two.provider_sid, "undelivered")
    assert await reconcile(tapp) == 0  # not stale yet: the report may still come
    clock.advance(minutes=31)
    assert await reconcile(tapp) == 2
    assert [r.status for r in await rows(db, campaign.id)] == [OutboxStatus.DELIVERED, OutboxStatus.UNDELIVERED]


async def test_the_campaign_page_says_how_many_were_reconciled(tapp, db, clock, twilio_standin, aiohttp_client):
    campaign = await _unknown_campaign(db, clock, n=3)
    for row in (await rows(db, campaign.id))[:2]:
        await tapp[SMS].send(row.e164, row.body)
    assert await reconcile(tapp) == 2
    client = await aiohttp_client(tapp)
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get(f"/campagnes/{campaign.id}")).text()
    assert '<span data-field="reconciled">2</span>' in html
