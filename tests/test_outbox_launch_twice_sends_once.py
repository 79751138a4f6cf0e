"""Writing a campaign's outbox twice (a double launch) adds nothing and sends nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxMessage
from crm.campaigns.outbox import write_outbox_rows
from crm.keys import SMS
from tests.support.outbox import make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def test_a_second_write_of_the_same_recipients_inserts_nothing(db, clock) -> None:
    phones = numbers(2500)  # more than one chunk
    campaign = await make_campaign(db, clock.now(), phones)
    async with db.session() as session:
        again = await write_outbox_rows(
            session, campaign, [{"e164": p, "body": "x"} for p in phones + numbers(3, 9000)],
            now=clock.now())
        await session.commit()
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert again == 3  # only the three new numbers
    assert total == 2503


async def test_the_same_number_twice_in_one_launch_gets_one_row(db, clock) -> None:
    campaign = await make_campaign(db, clock.now(), ["+33611111111", "+33611111111"])
    assert [r.e164 for r in await rows(db, campaign.id)] == ["+33611111111"]


async def test_launching_twice_sends_each_number_once(settings, db, clock,
                                                      twilio_standin: TwilioStandin) -> None:
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        phones = numbers(30)
        campaign = await make_campaign(db, clock.now(), phones)
        await dispatch_once(app)
        async with db.session() as session:
            assert await write_outbox_rows(session, campaign, [{"e164": p, "body": "x"} for p in phones],
                                           now=clock.now()) == 0
            await session.commit()
        assert await dispatch_once(app) == 0
    finally:
        await app[SMS].close()
    assert sorted(r.to for r in twilio_standin.accepted) == phones
