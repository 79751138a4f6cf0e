"""The demo's tenants answer its campaigns: replies tied to the campaign, understood, and
the outage flagged when some say it goes on."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select

from crm.campaigns.models import Campaign
from crm.campaigns.service import progress as campaign_progress
from crm.inbox import demo
from crm.inbox.understanding import Intent
from tests.support.factories import make_lease
from tests.support.sms import inbound, make_sent_campaign


async def test_demo_replies_are_threaded_understood_and_flag_the_outage(db, clock):
    leases = [await make_lease(db, mobile=f"+336110{i:05d}") for i in range(120)]
    campaign = await make_sent_campaign(
        db, agency_id=leases[0].agency_id, sent_at=clock.now() - timedelta(days=1),
        recipients=[(lease.tenant_id, f"+336110{i:05d}") for i, lease in enumerate(leases)])
    await demo.fill(db, clock, random.Random(7))
    replies = await inbound(db)
    assert 5 <= len(replies) <= 40
    assert {m.campaign_id for m in replies} == {campaign.id}
    assert all(m.intent in Intent.ALL and m.received_at <= clock.now() for m in replies)
    persists = sum(m.intent == Intent.PROBLEM_PERSISTS for m in replies)
    async with db.session() as session:
        assert (await campaign_progress(session, await session.get(Campaign, campaign.id)))["problem_persists_count"] == persists
        assert len((await session.scalars(select(Campaign))).all()) == 1
