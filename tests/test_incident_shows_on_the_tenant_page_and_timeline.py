"""A household's running incidents show on its tenant page with one-click "a appelé / est venu
à ce sujet" buttons; the incident and the contact show on the tenant's timeline (API too)."""

from __future__ import annotations

from sqlalchemy import select

from crm.incidents.models import IncidentReport
from tests.support.factories import api_user, make_user, page_login
from tests.support.incidents import building, declare


async def test_an_adviser_logs_a_call_from_the_tenant_page(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, starts_at=clock.now())
    home = b.by_floor("3")
    csrf = await page_login(client, await make_user(db, role="adviser", agency="Blois"))

    page = await (await client.get(f"/locataires/{home.tenant_id}")).text()
    assert "Incidents en cours dans son logement" in page and "A appelé à ce sujet" in page
    resp = await client.post(f"/incidents/{incident['id']}/contact", data={
        "csrf_token": csrf, "channel": "phone", "tenant_id": str(home.tenant_id),
        "back": f"/locataires/{home.tenant_id}"}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/locataires/{home.tenant_id}#incidents"  # no message in the URL
    assert "Contact enregistré." in await (await client.get(resp.headers["Location"])).text()
    async with db.session() as session:
        report = (await session.scalars(select(IncidentReport))).one()
    assert (report.tenant_id, report.channel, report.incident_id) == (home.tenant_id, "phone", incident["id"])

    detail = await (await client.get(f"/api/v1/tenants/{home.tenant_id}", headers=manager)).json()
    kinds = {e["kind"]: e for e in detail["timeline"]}
    assert kinds["incident"]["title"] == f"Incident : {incident['title']}"
    assert kinds["incident_report"]["title"].startswith("Appel au sujet de : Ascenseur en panne")
    assert kinds["incident"]["link"] == f"/incidents/{incident['id']}"


async def test_a_resolved_incident_leaves_the_panel_but_stays_on_the_timeline(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, starts_at=clock.now())
    clock.advance(hours=2)
    await client.post(f"/api/v1/incidents/{incident['id']}/resolve", json={}, headers=manager)
    page = await (await client.get(f"/locataires/{b.homes[0].tenant_id}", headers=manager)).text()
    assert "Incidents en cours dans son logement" not in page
    assert "Service rétabli : Ascenseur en panne" in page
