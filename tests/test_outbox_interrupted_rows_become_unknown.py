"""A row found "sending" when the dispatcher starts was interrupted by a crash: it becomes
"unknown", is shown as such and is never sent again automatically."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from crm.campaigns.dispatcher import dispatch_once, recover_interrupted, start_dispatcher
from crm.campaigns.models import CampaignStatus, OutboxMessage, OutboxStatus
from crm.keys import SMS
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


async def _interrupt(db, ids: list[int], at) -> None:  # type: ignore[no-untyped-def]
    async with db.session() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                              .values(status=OutboxStatus.SENDING, attempts=1, updated_at=at))
        await session.commit()


async def test_starting_the_dispatcher_marks_interrupted_rows_unknown_and_never_resends_them(
        settings, db, clock, twilio_standin: TwilioStandin) -> None:
    campaign = await make_campaign(db, clock.now(), numbers(3))
    first, *others = await rows(db, campaign.id)
    # On PostgreSQL other processes may be mid-call, so only stale claims count.
    await _interrupt(db, [first.id], clock.now() - timedelta(minutes=10))
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        stop = await start_dispatcher(app)
        await stop()
        by_id = {r.id: r for r in await rows(db, campaign.id)}
        assert by_id[first.id].status == OutboxStatus.UNKNOWN
        assert "peut-être parti" in by_id[first.id].error_reason
        clock.advance(days=1)
        await dispatch_once(app)
    finally:
        await app[SMS].close()
    assert first.e164 not in {r.to for r in twilio_standin.requests}
    assert {r.status for r in await rows(db, campaign.id) if r.id != first.id} == {OutboxStatus.SENT}
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE


async def test_a_recent_claim_is_left_alone_on_postgresql_and_taken_on_sqlite(app, db, clock) -> None:
    campaign = await make_campaign(db, clock.now(), numbers(1))
    [row] = await rows(db, campaign.id)
    await _interrupt(db, [row.id], clock.now())
    await recover_interrupted(app, at_start=True)
    [row] = await rows(db, campaign.id)
    expected = OutboxStatus.SENDING if db.is_postgres else OutboxStatus.UNKNOWN
    assert row.status == expected
    clock.advance(minutes=6)
    await recover_interrupted(app, at_start=False)
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.UNKNOWN
