"""The request forms say a refusal under the field it is about, in French, the field
aria-invalid and described by it (a one-time message, not ``?erreur=`` in the address):
a missing appointment, an owner from another agency, a blank category on a new request
(what was typed is kept)."""

from __future__ import annotations

import re

from tests.support.factories import make_lease, make_user, page_login


async def _request(client, db):
    lease = await make_lease(db, last_name="Martin")
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post("/demandes/nouvelle", allow_redirects=False, data={
        "csrf_token": csrf, "tenant_id": lease.tenant_id, "kind": "technical", "category": "leak",
        "urgency": "U1", "description": "Fuite au plafond"})
    return lease.tenant_id, int(re.search(r"/demandes/(\d+)", resp.headers["Location"]).group(1)), csrf


def _field(html: str, tag_id: str) -> str:
    return re.search(rf'<(?:select|input|fieldset|textarea)[^>]*id="{tag_id}"[^>]*>', html).group(0)  # type: ignore[union-attr]


async def test_a_missing_appointment_is_said_under_the_appointment_field(client, db):
    _, request_id, csrf = await _request(client, db)

    resp = await client.post(f"/demandes/{request_id}/etape", allow_redirects=False,
                             data={"csrf_token": csrf, "status": "scheduled", "appointment_at": ""})

    assert resp.headers["Location"] == f"/demandes/{request_id}"
    html = await (await client.get(resp.headers["Location"])).text()
    assert 'aria-invalid="true" aria-describedby="appointment-error"' in _field(html, "appointment")
    assert re.search(r'<p class="field-error" role="alert" id="appointment-error">Choisissez la date et '
                     r"l(&#39;|')heure du rendez-vous.</p>", html)


async def test_an_owner_from_another_agency_is_said_under_the_owner_field(client, db):
    _, request_id, csrf = await _request(client, db)
    stranger = await make_user(db, "adviser", "Vendôme")

    resp = await client.post(f"/demandes/{request_id}/responsable", allow_redirects=False,
                             data={"csrf_token": csrf, "owner_id": str(stranger.id)})

    html = await (await client.get(resp.headers["Location"])).text()
    assert 'aria-invalid="true" aria-describedby="owner-error"' in _field(html, "owner")
    assert "Le responsable doit être un conseiller de l" in html.split('id="owner-error">')[1]


async def test_a_blank_category_is_said_under_it_and_the_description_is_kept(client, db):
    tenant_id, _, csrf = await _request(client, db)

    resp = await client.post("/demandes/nouvelle", allow_redirects=False, data={
        "csrf_token": csrf, "tenant_id": tenant_id, "kind": "administrative", "category": "",
        "urgency": "U2", "description": "Quittance de novembre"})

    assert "erreur=" not in resp.headers["Location"]
    html = await (await client.get(resp.headers["Location"])).text()
    assert 'aria-invalid="true" aria-describedby="category-error"' in _field(html, "category")
    assert '<p class="field-error" role="alert" id="category-error">La catégorie est obligatoire.</p>' in html
    assert ">Quittance de novembre</textarea>" in html
    assert re.search(r'value="administrative"\s+checked', html)
    assert '<option value="U2" selected>' in html
