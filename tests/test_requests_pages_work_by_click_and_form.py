"""The French pages: "Demandes" with counts, filters and sort by due time, "Mes demandes",
the request page (steps, SMS and their status, one-click steps, appointment picker), the
form opened from a tenant or an SMS, the SMS texts (admin, preview with segments) and the
indicators with their CSV."""

import re

from sqlalchemy import select

from crm.inbox.models import InboundMessage
from crm.requests.models import RequestSmsTemplate, TenantRequest
from tests.support.factories import make_lease, make_user, page_login
from tests.support.requests import sent_sms

AT_SEVEN = "2026-11-17T14:30"


async def _adviser(client, db):
    lease = await make_lease(db, last_name="Martin")
    user = await make_user(db, "adviser", "Blois")
    return lease.tenant_id, user, await page_login(client, user)


async def _open(client, csrf, tenant_id, **fields):
    data = {"csrf_token": csrf, "tenant_id": tenant_id, "kind": "technical", "category": "leak",
            "urgency": "U1", "description": "Fuite au plafond", **fields}
    resp = await client.post("/demandes/nouvelle", data=data, allow_redirects=False)
    assert resp.status == 302, await resp.text()
    return int(re.search(r"/demandes/(\d+)", resp.headers["Location"]).group(1))


async def test_an_adviser_opens_schedules_and_finishes_a_request_by_forms(client, db, app):
    tenant, user, csrf = await _adviser(client, db)
    form = await (await client.get(f"/demandes/nouvelle?tenant={tenant}")).text()
    assert "Nouvelle demande" in form and "Martin" in form
    request_id = await _open(client, csrf, tenant)
    page = await (await client.get(f"/demandes/{request_id}")).text()
    assert "Enregistrée" in page and "Fixer le rendez-vous" in page and 'type="datetime-local"' in page
    resp = await client.post(f"/demandes/{request_id}/etape", allow_redirects=False,
                             data={"csrf_token": csrf, "status": "scheduled", "appointment_at": AT_SEVEN})
    assert resp.status == 302 and resp.headers["Location"] == f"/demandes/{request_id}"
    assert "Étape « Rendez-vous fixé » enregistrée." in await (await client.get(resp.headers["Location"])).text()
    await sent_sms(app, db)
    page = await (await client.get(f"/demandes/{request_id}")).text()
    assert "mardi 17 novembre 2026 à 14h30" in page  # the SMS text shown on the request
    assert "envoyé" in page
    refused = await client.post(f"/demandes/{request_id}/etape", allow_redirects=False,
                                data={"csrf_token": csrf, "status": "registered"})
    assert refused.headers["Location"] == f"/demandes/{request_id}"
    assert 'class="flash error"' in await (await client.get(refused.headers["Location"])).text()
    async with db.session() as s:
        item = await s.get(TenantRequest, request_id)
        assert item.status == "scheduled" and item.owner_id == user.id
    mine = await (await client.get("/demandes/mes")).text()
    assert f"Demande {request_id}" in mine


async def test_the_list_counts_steps_filters_late_ones_and_sorts_by_due_time(client, db, clock):
    tenant, _, csrf = await _adviser(client, db)
    slow = await _open(client, csrf, tenant, urgency="U3")
    fast = await _open(client, csrf, tenant, urgency="U1")
    html = await (await client.get("/demandes")).text()
    assert "Enregistrée : 2" in html and "En retard : 0" in html
    assert html.index(f"Demande {fast}<") < html.index(f"Demande {slow}<")
    html = await (await client.get("/demandes?sort=-due")).text()
    assert html.index(f"Demande {slow}<") < html.index(f"Demande {fast}<")
    clock.advance(hours=5)
    late = await (await client.get("/demandes?late=true&status=open")).text()
    assert f"Demande {fast}<" in late and f"Demande {slow}<" not in late and "(en retard)" in late
    assert "Fixer" not in late
    bad = await client.get("/demandes?status=nimporte", allow_redirects=False)
    assert bad.status == 302 and bad.headers["Location"] == "/demandes"  # the message is not in the address
    assert 'class="flash error"' in await (await client.get("/demandes")).text()


async def test_an_sms_from_the_inbox_prefills_the_new_request(client, db):
    tenant, _, csrf = await _adviser(client, db)
    async with db.session() as s:
        agency = (await s.scalars(select(TenantRequest.agency_id))).first()
        from crm.models import Lease

        agency = (await s.scalars(select(Lease.agency_id))).first()
        msg = InboundMessage(provider_sid="SM-new-request", from_e164="+33612345678",
                             body="La porte du hall ne ferme plus", received_at=clock_now(),
                             tenant_id=tenant, agency_id=agency)
        s.add(msg)
        await s.commit()
    form = await (await client.get(f"/demandes/nouvelle?message_id={msg.id}")).text()
    assert "La porte du hall ne ferme plus" in form
    request_id = await _open(client, csrf, tenant, message_id=msg.id, description="La porte du hall ne ferme plus")
    async with db.session() as s:
        item = await s.get(TenantRequest, request_id)
        assert item.source == "inbox" and item.inbound_message_id == msg.id


def clock_now():
    from tests.conftest import DEFAULT_NOW

    return DEFAULT_NOW


async def test_the_admin_edits_a_step_text_with_a_preview_and_unknown_fields_are_refused(client, db, app):
    admin = await make_user(db, "admin", None)
    csrf = await page_login(client, admin)
    page = await (await client.get("/demandes/sms")).text()
    assert "Rendez-vous fixé" in page and "GSM-7" in page
    body = "RDV le {{ appointment_date }} à {{ appointment_time }} — {{ prenom }}"
    resp = await client.post("/demandes/sms", allow_redirects=False,
                             data={"csrf_token": csrf, "step": "scheduled", "body": body, "enabled": "1"})
    assert "erreur=" not in resp.headers["Location"] and "draft_scheduled=" in resp.headers["Location"]
    refused = await (await client.get(resp.headers["Location"])).text()
    assert 'class="flash error"' in refused and "{{ prenom }}" in refused  # the draft is kept
    body = "RDV le {{ appointment_date }} à {{ appointment_time }} – {{ first_name }}"
    preview = await client.post("/demandes/sms", allow_redirects=False,
                                data={"csrf_token": csrf, "step": "scheduled", "body": body, "action": "preview"})
    html = await (await client.get(preview.headers["Location"])).text()
    assert "RDV le mardi 17 novembre 2026 à 14h30 – Sandrine" in html and "UCS-2" in html
    saved = await client.post("/demandes/sms", allow_redirects=False,
                              data={"csrf_token": csrf, "step": "scheduled", "body": body, "enabled": "1",
                                    "action": "save"})
    assert saved.headers["Location"] == "/demandes/sms"
    assert "Texte « Rendez-vous fixé » enregistré." in await (await client.get("/demandes/sms")).text()
    async with db.session() as s:
        row = await s.get(RequestSmsTemplate, "scheduled")
        assert row.body == body and row.enabled


async def test_a_manager_sees_the_indicators_and_downloads_them(client, db):
    tenant, _, csrf = await _adviser(client, db)
    await _open(client, csrf, tenant)
    manager = await make_user(db, "manager", "Blois")
    await page_login(client, manager)
    html = await (await client.get("/demandes/indicateurs?from=2026-11&to=2026-11")).text()
    assert "Blois · 2026-11" in html
    csv = await client.get("/demandes/indicateurs.csv?from=2026-11&to=2026-11")
    assert csv.status == 200 and (await csv.read()).startswith("\ufeff".encode())
