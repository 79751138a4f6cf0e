"""The preview (and the wizard's counter built on it) counts the longest rendering, says
where a UCS-2 character comes from, and previews writing values without accents."""

from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from crm.sms.encoding import analyse, gsm_plain
from tests.support.campaigns import ids
from tests.support.factories import api_user, make_lease

BODY = "Bonjour {{ last_name }}, la chaudiere de {{ residence }} est reparee. Merci de votre patience."


def test_plain_values_drop_only_the_accents_gsm7_lacks():
    assert gsm_plain("La Chênaie") == "La Chenaie"
    assert gsm_plain("Île Cœur ç") == "Ile Coeur c"
    assert gsm_plain("Hélène à Évreux") == "Hélène à Évreux"  # é, à and É are GSM-7
    assert analyse(gsm_plain("Chênaie « Bâtiment »")).encoding == "GSM-7"


async def _chenaie(client, db):
    await make_lease(db, residence="La Chênaie", building="A", mobile="+33611000001", last_name="Martin")
    await make_lease(db, residence="La Chênaie", building="A", mobile="+33611000002",
                     last_name="Dupont-Lagrange-Fontenay")
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, residence="La Chênaie")
    return headers, {"name": "Chaudière", "category": "information", "body": BODY,
                     "audience": {"residences": [place["residence"]]}}


async def _preview(client, headers, body):
    resp = await client.post("/api/v1/campaigns/preview", headers=headers, json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_the_preview_names_the_placeholder_a_ucs2_character_comes_from(client, db):
    headers, body = await _chenaie(client, db)
    p = await _preview(client, headers, body)
    assert analyse(BODY).encoding == "GSM-7"  # the manager's own text is plain
    assert p["encoding"] == "UCS-2"
    assert p["ucs2_sources"] == [{"character": "ê", "field": "residence", "value": "La Chênaie"}]
    assert p["longest"]["text"].startswith("Bonjour Dupont-Lagrange-Fontenay,")
    assert p["longest"]["segments"] == p["segments_per_message"] == 2
    assert p["longest"]["encoding"] == "UCS-2"


async def test_the_preview_offers_and_applies_plain_values(client, db):
    headers, body = await _chenaie(client, db)
    p = await _preview(client, headers, body)
    assert p["plain_values_effect"] == {"encoding": "GSM-7", "segments_per_message": 1,
                                        "total_segments": 2, "estimated_cost": p["plain_values_effect"]["estimated_cost"]}
    assert p["plain_values_effect"]["total_segments"] < p["total_segments"]

    chosen = await _preview(client, headers, {**body, "plain_values": True})
    assert chosen["encoding"] == "GSM-7"
    assert chosen["segments_per_message"] == 1
    assert all("La Chenaie" in s["text"] for s in chosen["samples"])
    assert chosen["plain_values_effect"] is None


async def test_a_launched_campaign_with_plain_values_sends_the_plain_text(client, db):
    headers, body = await _chenaie(client, db)
    created = await (await client.post("/api/v1/campaigns", headers=headers,
                                       json={**body, "plain_values": True})).json()
    assert (await client.post(f"/api/v1/campaigns/{created['id']}/launch", headers=headers)).status == 202
    async with db.session() as s:
        sent = (await s.scalars(select(OutboxMessage.body))).all()
    assert len(sent) == 2 and all("La Chenaie" in b and analyse(b).encoding == "GSM-7" for b in sent)
