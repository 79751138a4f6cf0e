"""The dispatcher hands due outbox rows to Twilio (the real SDK against the stand-in) and
records what happened: sent, retried later, or failed for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import CampaignStatus, OutboxStatus
from crm.keys import METRICS
from crm.models import OptOutEvent
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import FROM, TwilioStandin, twilio_standin  # noqa: F401


@pytest.fixture
async def tapp(settings, db, clock, twilio_standin: TwilioStandin):  # type: ignore[no-untyped-def]
    app = twilio_app(settings, db, clock, twilio_standin.url, timeout=1.0, sms_rate=0)
    yield app
    await _close(app)


async def _close(app) -> None:  # type: ignore[no-untyped-def]
    from crm.keys import SMS

    await app[SMS].close()


def _metric(app, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    value = app[METRICS].registry.get_sample_value(name, labels or None)
    return value or 0.0


async def test_due_messages_are_sent_once_each_and_the_campaign_is_done(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    phones = numbers(5)
    campaign = await make_campaign(db, clock.now(), phones)
    assert await dispatch_once(tapp) == 5
    assert sorted(r.to for r in twilio_standin.accepted) == phones
    assert {r.status_callback for r in twilio_standin.accepted} == {
        "http://testserver.local/webhooks/twilio/status"}
    assert {r.from_ for r in twilio_standin.accepted} == {FROM}
    stored = await rows(db, campaign.id)
    assert {r.status for r in stored} == {OutboxStatus.SENT}
    assert {r.provider_sid for r in stored} == {r.sid for r in twilio_standin.accepted}
    assert all(r.sent_at == clock.now() and r.attempts == 1 for r in stored)
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
    assert _metric(tapp, "crm_sms_handed_over_total") == 5
    # Nothing is left: a second pass sends nothing more.
    assert await dispatch_once(tapp) == 0
    assert len(twilio_standin.requests) == 5


async def test_an_invalid_number_fails_for_good_with_its_french_reason(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    bad, good = numbers(2)
    twilio_standin.fail_for(bad, code=21211)
    campaign = await make_campaign(db, clock.now(), [bad, good])
    await dispatch_once(tapp)
    by_phone = {r.e164: r for r in await rows(db, campaign.id)}
    assert (by_phone[bad].status, by_phone[bad].error_code, by_phone[bad].error_reason) == (
        OutboxStatus.FAILED, 21211, "Numéro de téléphone invalide.")
    assert by_phone[good].status == OutboxStatus.SENT
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
    clock.advance(hours=2)
    assert await dispatch_once(tapp) == 0  # a permanent failure is never retried
    assert len(twilio_standin.received_by(bad)) == 0
    assert _metric(tapp, "crm_sms_failed_total", permanent="true") == 1


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, None), (400, 21611)])
async def test_throttling_and_server_errors_are_retried_later_then_sent(
        tapp, db, clock, twilio_standin: TwilioStandin, status: int, code: int | None) -> None:
    [phone] = numbers(1)
    twilio_standin.fail_next(1, status=status, code=code)
    campaign = await make_campaign(db, clock.now(), [phone])
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert row.next_try_at > clock.now()  # backoff, not a hot loop
    assert row.error_code == (code or status)
    assert await campaign_status(db, campaign.id) == CampaignStatus.SENDING
    assert await dispatch_once(tapp) == 0  # not yet due
    clock.set(row.next_try_at)
    assert await dispatch_once(tapp) == 1
    [row] = await rows(db, campaign.id)
    assert (row.status, row.attempts, row.error_code, row.error_reason) == (
        OutboxStatus.SENT, 2, None, None)
    assert len(twilio_standin.received_by(phone)) == 1
    assert len(twilio_standin.requests) == 2
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE


async def test_retry_after_is_honoured(tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    twilio_standin.fail_next(1, status=429, code=20429, retry_after=900)
    campaign = await make_campaign(db, clock.now(), numbers(1), urgent=True)
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert row.next_try_at >= clock.now() + timedelta(seconds=900)


async def test_a_slow_answer_leaves_the_message_pending_for_another_try(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    twilio_standin.delay = 2.0  # longer than the transport's 1 s timeout
    campaign = await make_campaign(db, clock.now(), numbers(1))
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.PENDING
    assert row.error_reason == "Twilio n'a pas répondu à temps : nouvel essai plus tard."
    assert _metric(tapp, "crm_sms_failed_total", permanent="false") == 1


async def test_21610_fails_the_message_and_records_the_opt_out(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    phone, other = numbers(2)
    twilio_standin.fail_for(phone, code=21610)
    campaign = await make_campaign(db, clock.now(), [phone])
    later = await make_campaign(db, clock.now(), [phone, other], next_try_at=clock.now() + timedelta(hours=1))
    await dispatch_once(tapp)
    [row] = await rows(db, campaign.id)
    assert (row.status, row.error_code) == (OutboxStatus.FAILED, 21610)
    async with db.session() as session:
        events = (await session.scalars(select(OptOutEvent).where(OptOutEvent.e164 == phone))).all()
    assert [(e.opted_out, e.source) for e in events] == [(True, "twilio_21610")]
    # The number's other pending messages stop too.
    statuses = {r.e164: r.status for r in await rows(db, later.id)}
    assert statuses == {phone: OutboxStatus.CANCELLED, other: OutboxStatus.PENDING}


async def test_a_message_is_given_up_after_too_many_transient_failures(
        tapp, db, clock, twilio_standin: TwilioStandin) -> None:
    from crm.campaigns.dispatcher import MAX_ATTEMPTS

    twilio_standin.fail_next(MAX_ATTEMPTS, status=500, code=None)
    campaign = await make_campaign(db, clock.now(), numbers(1), urgent=True)
    for _ in range(MAX_ATTEMPTS):
        assert await dispatch_once(tapp) == 1
        [row] = await rows(db, campaign.id)
        if row.next_try_at:
            clock.set(max(clock.now(), row.next_try_at))
    [row] = await rows(db, campaign.id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert row.error_reason.startswith("Échecs temporaires répétés")
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
