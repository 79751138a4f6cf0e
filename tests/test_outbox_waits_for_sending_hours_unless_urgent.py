"""Non-urgent messages wait for the allowed sending hours (their next_try_at), and their
retries never land in the night either; urgent alerts go at any hour."""

from __future__ import annotations

from datetime import datetime

from crm.calendar import next_sms_sending_time
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Category, OutboxStatus
from crm.keys import SMS
from tests.conftest import PARIS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401

SATURDAY_EVENING = datetime(2026, 11, 21, 21, 30, tzinfo=PARIS)
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)


async def test_a_rent_reminder_launched_saturday_night_waits_for_monday_8am(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    clock.set(SATURDAY_EVENING)
    first = next_sms_sending_time(clock.now(), settings.tz)
    assert first == MONDAY_MORNING
    campaign = await make_campaign(db, clock.now(), numbers(3), category=Category.RENT_REMINDER,
                                   next_try_at=first)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        assert await dispatch_once(app) == 0
        clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=PARIS))  # Sunday noon
        assert await dispatch_once(app) == 0
        assert twilio_standin.requests == []
        clock.set(MONDAY_MORNING)
        assert await dispatch_once(app) == 3
    finally:
        await app[SMS].close()
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
    assert len(twilio_standin.accepted) == 3


async def test_a_retry_of_a_non_urgent_message_late_in_the_day_moves_to_the_next_morning(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    clock.set(datetime(2026, 11, 16, 19, 59, 50, tzinfo=PARIS))
    campaign = await make_campaign(db, clock.now(), numbers(1), category=Category.INFORMATION)
    twilio_standin.fail_next(1, status=503, code=None)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        await dispatch_once(app)
    finally:
        await app[SMS].close()
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.PENDING
    assert row.next_try_at == datetime(2026, 11, 17, 8, 0, tzinfo=PARIS)


async def test_an_urgent_outage_alert_goes_at_night(settings, db, clock,
                                                   twilio_standin: TwilioStandin) -> None:
    clock.set(datetime(2026, 11, 22, 3, 0, tzinfo=PARIS))  # Sunday, 3 am
    campaign = await make_campaign(db, clock.now(), numbers(2), category=Category.OUTAGE, urgent=True)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        assert await dispatch_once(app) == 2
    finally:
        await app[SMS].close()
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
