"""Agency scoping of the tenants API: advisers and managers see their agency only."""

from datetime import date

from crm.models import Tenant
from tests.support.factories import api_user, make_lease


async def test_an_adviser_lists_only_the_tenants_of_their_agency(client, db):
    await make_lease(db, agency="Blois", last_name="Bleu")
    await make_lease(db, agency="Vendôme", last_name="Vert")
    headers = await api_user(client, db, "adviser", "Blois")
    body = await (await client.get("/api/v1/tenants", headers=headers)).json()
    assert [i["last_name"] for i in body["items"]] == ["Bleu"]
    assert body["total"] == 1


async def test_an_adviser_asking_for_another_agency_gets_403(client, db):
    other = await make_lease(db, agency="Vendôme", last_name="Vert")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get("/api/v1/tenants", headers=headers, params={"agency": other.agency_id})
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "agency_forbidden"


async def test_an_adviser_of_blois_gets_403_on_a_vendome_tenant(client, db):
    other = await make_lease(db, agency="Vendôme", last_name="Vert")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get(f"/api/v1/tenants/{other.tenant_id}", headers=headers)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "agency_forbidden"


async def test_a_manager_may_see_a_tenant_who_once_lived_in_their_agency(client, db):
    old = await make_lease(db, agency="Blois", last_name="Parti", lease_start=date(2015, 1, 1),
                           lease_end=date(2020, 1, 1))
    async with db.session() as s:
        tenant = await s.get(Tenant, old.tenant_id)
    await make_lease(db, agency="Vendôme", tenant=tenant, lease_start=date(2020, 2, 1))
    headers = await api_user(client, db, "manager", "Blois")
    assert (await client.get(f"/api/v1/tenants/{old.tenant_id}", headers=headers)).status == 200
    vendome = await api_user(client, db, "manager", "Romorantin")
    assert (await client.get(f"/api/v1/tenants/{old.tenant_id}", headers=vendome)).status == 403


async def test_an_admin_sees_every_agency_or_the_one_asked(client, db):
    blois = await make_lease(db, agency="Blois", last_name="Bleu")
    await make_lease(db, agency="Vendôme", last_name="Vert")
    headers = await api_user(client, db, "admin", None)
    body = await (await client.get("/api/v1/tenants", headers=headers)).json()
    assert sorted(i["last_name"] for i in body["items"]) == ["Bleu", "Vert"]
    body = await (await client.get("/api/v1/tenants", headers=headers,
                                   params={"agency": blois.agency_id})).json()
    assert [i["last_name"] for i in body["items"]] == ["Bleu"]


async def test_an_unknown_tenant_is_404_and_no_token_is_401(client, db):
    headers = await api_user(client, db, "admin", None)
    resp = await client.get("/api/v1/tenants/999999", headers=headers)
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "tenant_not_found"
    assert (await client.get("/api/v1/tenants/1")).status == 401
