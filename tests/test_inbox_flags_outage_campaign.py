"""Replies saying the outage goes on land in the agency's inbox, tied to the campaign, and
flag it ("2 locataires signalent que la panne continue")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crm.campaigns.models import Campaign
from crm.campaigns.service import progress as campaign_progress
from tests.support.factories import api_user, make_lease, make_user, page_login
from tests.support.sms import (  # noqa: F401 - fixtures
    http_settings,
    inbound,
    make_sent_campaign,
    post_sms,
)


@pytest.fixture
def settings(http_settings):
    return http_settings


async def _water_cut(db, clock, n=3):
    leases = [await make_lease(db, agency="Blois", building="B", mobile=f"+3361100000{i}",
                               last_name=f"Martin{i}") for i in range(n)]
    campaign = await make_sent_campaign(
        db, name="Coupure d'eau bâtiment B", category="outage", agency_id=leases[0].agency_id,
        recipients=[(lease.tenant_id, f"+3361100000{i}") for i, lease in enumerate(leases)],
        sent_at=clock.now() - timedelta(hours=1))
    return leases, campaign


async def test_toujours_pas_d_eau_lands_in_the_blois_inbox_tied_to_the_water_cut(client, db, clock):
    leases, campaign = await _water_cut(db, clock)
    resp = await post_sms(client, "toujours pas d'eau au bâtiment B !!", sender="+33611000000")
    assert resp.status == 200
    [m] = await inbound(db)
    assert (m.intent, m.sentiment, m.status) == ("problem_persists", "negative", "open")
    assert m.campaign_id == campaign.id and m.agency_id == leases[0].agency_id
    assert m.tenant_id == leases[0].tenant_id

    blois = await api_user(client, db, role="adviser", agency="Blois")
    resp = await client.get("/api/v1/inbox", headers=blois)
    [item] = (await resp.json())["items"]
    assert item["intent"] == "problem_persists" and item["sentiment"] == "negative"
    assert item["campaign_id"] == campaign.id and item["sentiment_score"] < 0
    assert item["tenant_name"] == "Mme Sandrine Martin0"

    await make_lease(db, agency="Vendôme", mobile="+33699999999")
    vendome = await api_user(client, db, role="adviser", agency="Vendôme")
    resp = await client.get("/api/v1/inbox", headers=vendome)
    assert (await resp.json())["items"] == []


async def test_each_tenant_saying_the_outage_goes_on_counts_once_on_the_campaign(client, db, clock):
    _, campaign = await _water_cut(db, clock)
    await post_sms(client, "Toujours pas d'eau", sender="+33611000000", sid="SM" + "a" * 32)
    await post_sms(client, "Toujours pas d'eau", sender="+33611000000", sid="SM" + "a" * 32)  # replay
    await post_sms(client, "tjrs pas d'eau chaude", sender="+33611000001")
    await post_sms(client, "L'eau est revenue merci", sender="+33611000002")
    async with db.session() as session:
        assert (await campaign_progress(session, await session.get(Campaign, campaign.id)))["problem_persists_count"] == 2


async def test_the_inbox_page_shows_the_banner_for_the_campaign(client, db, clock):
    _, campaign = await _water_cut(db, clock)
    await post_sms(client, "Toujours pas d'eau", sender="+33611000000")
    await post_sms(client, "encore coupé chez nous", sender="+33611000001")
    user = await make_user(db, role="manager", agency="Blois")
    await page_login(client, user)
    resp = await client.get("/messages")
    html = await resp.text()
    assert resp.status == 200, html
    assert "2 locataires signalent que la panne continue" in html
    assert "Coupure d&#39;eau bâtiment B" in html or "Coupure d'eau bâtiment B" in html


async def test_a_complaint_after_an_information_campaign_does_not_flag_it(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    info = await make_sent_campaign(db, name="Assemblée des locataires", category="information",
                                    agency_id=lease.agency_id,
                                    recipients=[(lease.tenant_id, "+33612345678")],
                                    sent_at=clock.now() - timedelta(hours=1))
    await post_sms(client, "toujours pas de chauffage")
    [m] = await inbound(db)
    assert m.intent == "problem_persists" and m.campaign_id == info.id
    async with db.session() as session:
        assert (await campaign_progress(session, await session.get(Campaign, info.id)))["problem_persists_count"] == 0


async def test_the_banners_name_only_the_outages_of_the_users_agency_that_tenants_say_go_on(client, db, clock):
    _, water = await _water_cut(db, clock)  # Blois, two say it goes on
    lift_lease = await make_lease(db, agency="Blois", building="C", mobile="+33611000009", last_name="Roux")
    await make_sent_campaign(  # Blois too, only thanked
        db, name="Panne ascenseur bâtiment C", category="outage", agency_id=lift_lease.agency_id,
        recipients=[(lift_lease.tenant_id, "+33611000009")], sent_at=clock.now() - timedelta(minutes=30))
    other = await make_lease(db, agency="Vendôme", mobile="+33622000000", last_name="Petit")
    await make_sent_campaign(db, name="Coupure chauffage Vendôme", category="outage", agency_id=other.agency_id,
                             recipients=[(other.tenant_id, "+33622000000")],
                             sent_at=clock.now() - timedelta(minutes=20))
    await post_sms(client, "Toujours pas d'eau", sender="+33611000000")
    await post_sms(client, "encore coupé chez nous", sender="+33611000001")
    await post_sms(client, "Merci pour l'info", sender="+33611000009")
    await post_sms(client, "toujours pas de chauffage", sender="+33622000000")
    await page_login(client, await make_user(db, role="manager", agency="Blois"))

    html = await (await client.get("/messages")).text()

    banners = re.findall(r'campaign=(\d+)&amp;intent=problem_persists&amp;status=all">([^<]+)<', html)
    assert banners == [(str(water.id), "2 locataires signalent que la panne continue")]  # not lift, not Vendôme
