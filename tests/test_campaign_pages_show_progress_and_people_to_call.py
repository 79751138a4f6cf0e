"""The campaign pages: list, wizard, campaign page with progress, unreachable tenants and
their CSV, reduced-mobility tenants to call, cancel; the tenant page's SMS panel."""

from sqlalchemy import select

from crm.campaigns.models import Campaign, OutboxMessage
from tests.support.campaigns import building_b, ids, lift_campaign, page_login
from tests.support.factories import api_user, make_lease, make_user


async def launched_lift_campaign(client, db):
    await building_b(db, 2)
    await make_lease(db, building="B", mobile=None, landline="+33254111111", last_name="Fixe")
    await make_lease(db, building="B", mobile="+33699999999", opted_out=True, last_name="Stop")
    await make_lease(db, building="B", mobile="+33611000005", reduced_mobility=True, last_name="Roulant")
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json=lift_campaign((await ids(db, building="B"))["building"]))
    campaign_id = (await resp.json())["id"]
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert resp.status == 202
    return campaign_id


async def test_the_campaign_page_shows_progress_unreachable_and_people_to_call(client, db):
    campaign_id = await launched_lift_campaign(client, db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.get(f"/campagnes/{campaign_id}")
    assert resp.status == 200
    html = await resp.text()
    assert "Ascenseur B" in html and "En cours d&#39;envoi" in html
    assert 'data-count="pending">3<' in html
    assert "Mme Sandrine Fixe" in html and "02 54 11 11 11" in html and "Pas de mobile" in html
    assert "SMS refusés (STOP)" in html
    assert "mobilité réduite à appeler (1)" in html and "Mme Sandrine Roulant" in html
    assert 'action="/campagnes/%d/annuler"' % campaign_id in html

    resp = await client.get(f"/campagnes/{campaign_id}/sans-sms.csv")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/csv")
    text = (await resp.read()).decode("utf-8")
    assert text.startswith("\ufeffLocataire;Résidence;Bâtiment;Entrée;Téléphone fixe;Mobile;Motif")
    assert "Mme Sandrine Fixe;Les Provinces;B;2;+33254111111;;Pas de mobile" in text
    assert len(text.strip().splitlines()) == 3


async def test_the_cancel_button_needs_the_csrf_token_and_stops_pending_rows(client, db):
    campaign_id = await launched_lift_campaign(client, db)
    csrf = await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.post(f"/campagnes/{campaign_id}/annuler", data={}, allow_redirects=False)
    assert resp.status == 403
    resp = await client.post(f"/campagnes/{campaign_id}/annuler", data={"csrf_token": csrf},
                             allow_redirects=False)
    assert resp.status == 303
    async with db.session() as s:
        assert (await s.get(Campaign, campaign_id)).status == "cancelled"
        assert set((await s.scalars(select(OutboxMessage.status))).all()) == {"cancelled"}


async def test_the_list_and_the_wizard_render_for_a_manager(client, db):
    campaign_id = await launched_lift_campaign(client, db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    html = await (await client.get("/campagnes")).text()
    assert f'href="/campagnes/{campaign_id}"' in html and "Nouvelle campagne" in html
    html = await (await client.get("/campagnes/nouvelle")).text()
    assert 'id="campaign-wizard"' in html and "Ascenseur en panne" in html
    assert '<meta name="csrf-token" content="' in html and "/static/campaigns.js" in html


async def test_advisers_do_not_see_campaign_pages(client, db):
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get("/campagnes")
    assert resp.status == 403


async def test_the_tenant_page_offers_one_sms_and_sends_it_through_the_outbox(client, db):
    lease = await make_lease(db, mobile="+33612345678")
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get(f"/locataires/{lease.tenant_id}")).text()
    assert 'action="/locataires/%d/sms"' % lease.tenant_id in html
    assert 'data-sms-counter="tenant-sms-counter"' in html
    resp = await client.post(f"/locataires/{lease.tenant_id}/sms",
                             data={"csrf_token": csrf, "body": "Votre dossier est complet."},
                             allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].endswith("?sms=ok#sms")
    async with db.session() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
        assert [(r.e164, r.body) for r in rows] == [("+33612345678", "Votre dossier est complet.")]
    html = await (await client.get(f"/locataires/{lease.tenant_id}?sms=ok")).text()
    assert "SMS en file d'envoi." in html and "Votre dossier est complet." in html
