"""The local backend keeps every SMS on this machine and reports it delivered, as Twilio's
callbacks would, so a trial shows deliveries coming in."""

from sqlalchemy import select

from crm.app import create_app
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxStatus
from crm.sms.local import LocalTransport
from crm.sms.models import LocalSms
from tests.support.outbox import make_campaign, numbers, rows


async def test_local_messages_are_stored_then_reported_delivered(settings, db, clock):
    transport = LocalTransport(db, clock, delivery_after=0.001)
    app = create_app(settings, sms=transport, clock=clock, db=db)
    campaign = await make_campaign(db, clock.now(), numbers(3))
    await dispatch_once(app)
    await transport.reports_done()
    final = await rows(db, campaign.id)
    assert {r.status for r in final} == {OutboxStatus.DELIVERED}
    async with db.session() as session:
        kept = (await session.scalars(select(LocalSms.sid))).all()
    assert sorted(kept) == sorted(r.provider_sid for r in final)
    await transport.close()


async def test_no_report_when_simulated_delivery_is_off(settings, db, clock):
    transport = LocalTransport(db, clock, delivery_after=0)
    app = create_app(settings, sms=transport, clock=clock, db=db)
    campaign = await make_campaign(db, clock.now(), numbers(2))
    await dispatch_once(app)
    await transport.reports_done()
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
