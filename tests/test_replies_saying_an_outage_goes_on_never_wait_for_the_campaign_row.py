"""When a whole building answers an outage SMS at once ("toujours pas d'eau"), each reply is
stored without touching the campaign's row: counted when the campaign is read, so the replies
never queue on that one row's lock (PostgreSQL: a row another transaction holds)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from crm.campaigns.models import Campaign
from crm.campaigns.service import progress as campaign_progress
from tests.support.factories import make_lease
from tests.support.sms import (  # noqa: F401 - fixtures
    http_settings,
    inbound,
    make_sent_campaign,
    post_sms,
)


@pytest.fixture
def settings(http_settings):
    return http_settings


async def test_replies_are_stored_while_another_transaction_holds_the_campaign_row(client, db, clock):
    if not db.is_postgres:
        pytest.skip("SQLite has no row locks: one writer at a time")
    leases = [await make_lease(db, agency="Blois", building="B", mobile=f"+3361100000{i}") for i in range(3)]
    campaign = await make_sent_campaign(
        db, name="Panne d'ascenseur bâtiment B", category="outage", agency_id=leases[0].agency_id,
        recipients=[(lease.tenant_id, f"+3361100000{i}") for i, lease in enumerate(leases)],
        sent_at=clock.now() - timedelta(hours=1))

    async with db.engine.connect() as holder:  # the lock an UPDATE of the campaign takes
        await holder.execute(text("SELECT id FROM campaign WHERE id = :id FOR NO KEY UPDATE"), {"id": campaign.id})
        replies = [post_sms(client, "toujours en panne !", sender=f"+3361100000{i}") for i in range(3)]
        answers = await asyncio.wait_for(asyncio.gather(*replies), timeout=20)
        assert [a.status for a in answers] == [200, 200, 200]
        assert [m.intent for m in await inbound(db)] == ["problem_persists"] * 3
        await holder.rollback()

    async with db.session() as session:
        counted = await campaign_progress(session, await session.get(Campaign, campaign.id))
    assert counted["problem_persists_count"] == 3
