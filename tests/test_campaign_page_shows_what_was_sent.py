"""The campaign page shows what a recipient received, the campaign's values and who
launched it; replies and "the problem continues" link to the filtered inbox; a follow-up
to the same recipients opens the wizard with them."""

import json
import re
from datetime import UTC, datetime

from sqlalchemy import update

from crm.inbox.models import InboundMessage
from crm.models import User
from tests.support.campaigns import building_b, ids
from tests.support.factories import make_lease, make_user, page_login

WATER = ("Bonjour {{ last_name }}, coupure d'eau le {{ date }} de {{ start_time }} à {{ end_time }}.")


async def _launched(client, db):
    await building_b(db, 2)
    await make_lease(db, building="C", mobile="+33622222222", last_name="Ailleurs")
    manager = await make_user(db, "manager", "Blois")
    async with db.session() as s:
        await s.execute(update(User).where(User.id == manager.id).values(full_name="Claire Dubois"))
        await s.commit()
    token = await page_login(client, manager)
    headers = {"X-CSRF-Token": token}
    resp = await client.post("/api/v1/campaigns", headers=headers, json={
        "name": "Coupure B", "category": "outage", "body": WATER,
        "audience": {"buildings": [(await ids(db, building="B"))["building"]]},
        "variables": {"date": "mardi 24", "start_time": "9h", "end_time": "12h"}})
    assert resp.status == 201, await resp.text()
    campaign_id = (await resp.json())["id"]
    assert (await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)).status == 202
    return campaign_id


async def test_the_page_shows_a_rendered_sample_the_values_and_who_launched_it(client, db):
    campaign_id = await _launched(client, db)
    html = await (await client.get(f"/campagnes/{campaign_id}")).text()
    assert "Bonjour Martin0, coupure d&#39;eau le mardi 24 de 9h à 12h." in html
    assert "par Mme Sandrine Martin0" in html
    assert re.search(r"Heure de début.*?</dt><dd>9h</dd>", html, re.S)
    assert re.search(r'id="launched">[^<]+ par Claire Dubois', html)
    assert f'href="/messages?campaign={campaign_id}&amp;status=all"' in html
    assert ">0 / 2<" in html


async def test_tenants_saying_the_problem_continues_link_to_the_filtered_inbox(client, db):
    campaign_id = await _launched(client, db)
    async with db.session() as s:  # three replies said so, one said something else
        for i, intent in enumerate(["problem_persists"] * 3 + ["thanks"]):
            s.add(InboundMessage(provider_sid=f"SMpersists{i}", from_e164=f"+3361100000{i}", body="…",
                                 received_at=datetime(2026, 11, 24, 10, tzinfo=UTC), campaign_id=campaign_id,
                                 intent=intent, decided_by="test"))
        await s.commit()
    html = await (await client.get(f"/campagnes/{campaign_id}")).text()
    assert (f'<a href="/messages?campaign={campaign_id}&amp;intent=problem_persists&amp;status=all" '
            'id="persists-link">3 locataires signalent que le problème continue</a>') in html


async def test_a_follow_up_starts_the_wizard_with_the_same_recipients(client, db):
    campaign_id = await _launched(client, db)
    html = await (await client.get(f"/campagnes/{campaign_id}")).text()
    assert f'href="/campagnes/nouvelle?suite={campaign_id}"' in html
    wizard = await (await client.get(f"/campagnes/nouvelle?suite={campaign_id}")).text()
    data = json.loads(re.search(r'id="follow-up-data">(.*?)</script>', wizard, re.S).group(1))
    assert len(data["audience"]["tenant_ids"]) == 2  # building B only, not "Ailleurs"
    assert data["name"] == "Suite : Coupure B" and data["category"] == "outage"
    assert "Les 2 destinataires de « Coupure B »" in wizard


async def test_another_agencys_campaign_cannot_seed_a_follow_up(client, db):
    campaign_id = await _launched(client, db)
    await page_login(client, await make_user(db, "manager", "Vendôme"))
    assert (await client.get(f"/campagnes/nouvelle?suite={campaign_id}")).status == 403
