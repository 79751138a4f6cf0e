"""The dispatcher spaces hand-overs to CRM_SMS_RATE segments per second, measured on the
injected clock (a frozen clock here: no real waiting)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.app import create_app
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import CampaignStatus
from crm.campaigns.ratelimit import TokenBucket
from crm.clock import FrozenClock
from crm.config import load_settings
from crm.sms.models import LocalSms
from tests.conftest import DEFAULT_NOW
from tests.support.outbox import campaign_status, make_campaign, numbers


async def test_a_bucket_of_two_per_second_spaces_messages_half_a_second_apart() -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = TokenBucket(2, clock)
    times = []
    for _ in range(6):
        await bucket.acquire(1)
        times.append((clock.now() - DEFAULT_NOW).total_seconds())
    assert times == [0, 0, 0.5, 1.0, 1.5, 2.0]  # a burst of one second's worth, then 2/s


async def test_a_long_message_costs_its_segments() -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = TokenBucket(10, clock)
    await bucket.acquire(10)
    await bucket.acquire(3)  # three segments: 0.3 s at 10 segments/s
    assert clock.now() - DEFAULT_NOW == timedelta(seconds=0.3)


async def test_idle_time_refills_the_bucket_only_up_to_its_capacity() -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = TokenBucket(5, clock)
    clock.advance(hours=1)
    start = clock.now()
    for _ in range(8):
        await bucket.acquire(1)
    assert (clock.now() - start).total_seconds() == 0.6  # 5 at once, then 3 × 0.2 s


async def test_rate_zero_means_unlimited() -> None:
    clock = FrozenClock(DEFAULT_NOW)
    bucket = TokenBucket(0, clock)
    for _ in range(1000):
        await bucket.acquire(3)
    assert clock.now() == DEFAULT_NOW


async def test_the_dispatcher_hands_over_at_the_configured_rate(database_url, db) -> None:
    clock = FrozenClock(DEFAULT_NOW)
    settings = load_settings(database_url=database_url, sms_backend="local", sms_rate=4,
                             scheduler_enabled=False, public_url="http://testserver.local",
                             twilio_account_sid=None)
    app = create_app(settings, clock=clock, db=db)
    campaign = await make_campaign(db, clock.now(), numbers(12))
    assert await dispatch_once(app) == 12
    async with db.session() as session:
        sent_at = sorted((await session.scalars(select(LocalSms.at))).all())
    offsets = [(t - DEFAULT_NOW).total_seconds() for t in sent_at]
    assert offsets == [0, 0, 0, 0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
