"""A reply holding several intents is filed under the most actionable one, and a callback
asked for beside a complaint is still booked (through the real, signed webhook)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.calls.models import CallTask
from crm.campaigns.models import Campaign
from crm.campaigns.service import progress as campaign_progress
from tests.support.factories import make_lease
from tests.support.sms import inbound, make_sent_campaign, post_sms, settings  # noqa: F401

NUMBER = "+33612345678"


async def test_a_callback_asked_beside_a_complaint_still_books_the_call(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "Rappelez-moi svp. Toujours pas de chauffage !")
    assert "un conseiller de votre agence vous rappelle" in await resp.text()
    [m] = await inbound(db)
    assert m.intent == "problem_persists"
    async with db.session() as session:
        [task] = list(await session.scalars(select(CallTask)))
    assert task.requested_by_sms


async def test_a_complaint_alone_books_no_call(client, db):
    await make_lease(db, mobile=NUMBER)
    resp = await post_sms(client, "Toujours pas de chauffage !")
    assert "<Message>" not in await resp.text()
    async with db.session() as session:
        assert list(await session.scalars(select(CallTask))) == []


async def test_a_callback_beside_a_complaint_about_an_outage_also_counts_for_the_campaign(client, db, clock):
    lease = await make_lease(db, mobile=NUMBER)
    campaign = await make_sent_campaign(db, recipients=[(lease.tenant_id, NUMBER)],
                                        sent_at=clock.now() - timedelta(hours=1))
    resp = await post_sms(client, "Toujours en panne, rappelez-moi svp")
    assert "un conseiller de votre agence vous rappelle" in await resp.text()
    [m] = await inbound(db)
    assert (m.intent, m.campaign_id) == ("problem_persists", campaign.id)
    async with db.session() as session:
        assert (await campaign_progress(session, await session.get(Campaign, campaign.id)))["problem_persists_count"] == 1
        [task] = list(await session.scalars(select(CallTask)))
    assert task.requested_by_sms and task.lease_id == lease.id


async def test_a_callback_from_an_unknown_number_is_stored_without_a_promise(client, db):
    resp = await post_sms(client, "Rappelez-moi svp", "+33699999999")
    assert "<Message>" not in await resp.text()
    [m] = await inbound(db)
    assert m.tenant_id is None and m.status == "open"
    async with db.session() as session:
        assert list(await session.scalars(select(CallTask))) == []
