"""The incident pages work with plain forms: declare with the estate picker (errors shown on
the form), the list, the incident page, the notice's preview and cost then sending, the
commitments page (mark done with a note and an SMS) with the managers' navigation count."""

from __future__ import annotations

import re

from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from crm.incidents.models import Incident
from tests.support.factories import make_user, page_login
from tests.support.incidents import building, paris, run_job


async def test_a_manager_declares_a_lift_breakdown_with_the_form(client, db, clock):
    b = await building(db)
    manager = await make_user(db, role="manager", agency="Blois")
    csrf = await page_login(client, manager)
    form = await (await client.get("/incidents/nouveau")).text()
    assert f'name="buildings" value="{b.id}"' in form and "Les Provinces" in form
    assert "<script>" not in form

    missing = await client.post("/incidents/nouveau", data={"csrf_token": csrf, "kind": "lift", "planned": "0"})
    assert missing.status == 422
    assert "Choisissez au moins une résidence" in await missing.text()

    resp = await client.post("/incidents/nouveau", data={
        "csrf_token": csrf, "kind": "lift", "planned": "0", "buildings": str(b.id),
        "starts_at": "2026-11-16T08:30", "description": "Bloqué au 3e"}, allow_redirects=False)
    assert resp.status == 303, await resp.text()
    async with db.session() as session:
        incident = (await session.scalars(select(Incident))).one()
    assert resp.headers["Location"] == f"/incidents/{incident.id}"  # the message is a one-time cookie
    assert incident.title == "Ascenseur en panne — Les Provinces, bâtiment B"
    assert incident.starts_at == paris(2026, 11, 16, 8, 30)
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Incident déclaré." in page and "1,5 h" in page and "Prévenir les 4 foyers" in page
    listing = await (await client.get("/incidents")).text()
    assert f'href="/incidents/{incident.id}"' in listing


async def test_a_planned_stop_too_soon_is_refused_on_the_form_with_the_values_kept(client, db, clock):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    resp = await client.post("/incidents/nouveau", data={
        "csrf_token": csrf, "kind": "lift", "planned": "1", "buildings": str(b.id),
        "starts_at": "2026-11-20T08:00", "referent_name": "Karim Benali", "referent_phone": "0254901234"})
    html = await resp.text()
    assert resp.status == 422
    assert "au moins 8 jours avant" in html and 'value="Karim Benali"' in html
    assert f'name="buildings" value="{b.id}" checked' in html


async def test_the_notice_is_previewed_with_its_cost_then_sent(client, db, clock):
    b = await building(db)
    csrf = await page_login(client, await make_user(db, role="manager", agency="Blois"))
    await client.post("/incidents/nouveau", data={"csrf_token": csrf, "kind": "water", "planned": "0",
                                                  "buildings": str(b.id)})
    async with db.session() as session:
        incident = (await session.scalars(select(Incident))).one()
    preview = await (await client.get(f"/incidents/{incident.id}/prevenir")).text()
    assert re.search(r'id="recipients">4<', preview) and "0,29 €" in preview  # 4 × 1 segment × 0,0725 €
    assert "Eau : coupure à Les Provinces" in preview
    resp = await client.post(f"/incidents/{incident.id}/prevenir", data={
        "csrf_token": csrf, "body": "Coupure d'eau en cours, retour prévu à {{ expected_end_at }}."},
        allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == f"/incidents/{incident.id}#messages"
    assert "Avis envoyé aux foyers." in await (await client.get(resp.headers["Location"])).text()
    async with db.session() as session:
        bodies = {m.body for m in await session.scalars(select(OutboxMessage))}
    assert bodies == {"Coupure d'eau en cours, retour prévu à dès que possible."}


async def test_due_commitments_are_counted_in_the_navigation_and_marked_done(client, db, clock):
    b = await building(db)
    manager = await make_user(db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    csrf = await page_login(client, manager)
    await client.post("/incidents/nouveau", data={"csrf_token": csrf, "kind": "lift", "planned": "0",
                                                  "buildings": str(b.id), "starts_at": "2026-03-02T10:00"})
    clock.set(paris(2026, 3, 6, 9, 0))
    await run_job(client)
    csrf = await page_login(client, manager)
    page = await (await client.get("/engagements")).text()
    assert re.search(r'Engagements <span class="badge">1</span>', page)
    assert "Portage de courses" in page and "vendredi 06/03/2026" in page
    commitment_id = re.search(r'action="/engagements/(\d+)/fait"', page).group(1)
    resp = await client.post(f"/engagements/{commitment_id}/fait", data={
        "csrf_token": csrf, "note": "Prestataire Courses 41, tous les jours à 10 h", "notify": "1"},
        allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/engagements"
    assert "Engagement tenu." in await (await client.get("/engagements")).text()
    async with db.session() as session:
        sms = list(await session.scalars(select(OutboxMessage)))
    # Floors 1, 3 and unknown: the ground floor is not told about a delivery it does not get.
    assert len(sms) == 3 and all("un service de portage de courses est mis en place" in m.body for m in sms)
    page = await (await client.get("/engagements?status=done")).text()
    assert "Prestataire Courses 41" in page and 'class="badge"' not in page.split("</nav>")[0]
    adviser = await make_user(db, role="adviser", agency="Blois")
    await page_login(client, adviser)
    assert (await client.get("/engagements", allow_redirects=False)).status == 403
