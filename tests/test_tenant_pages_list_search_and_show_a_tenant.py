"""The tenants pages: list with search, filters and pages; the tenant page; scoping."""

from datetime import UTC, datetime

from crm.models import OptOutEvent
from tests.support.factories import make_lease, make_user, page_login


async def test_the_list_page_shows_the_agency_tenants_with_links(client, db):
    lease = await make_lease(db, last_name="Lefèvre", first_name="Hélène", opted_out=True,
                             reduced_mobility=True)
    await make_lease(db, agency="Vendôme", last_name="Ailleurs")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get("/locataires")
    assert resp.status == 200
    html = await resp.text()
    assert f'href="/locataires/{lease.tenant_id}"' in html
    assert "Lefèvre" in html and "Ailleurs" not in html
    assert "SMS refusés" in html and "PMR" in html
    assert 'name="q"' in html


async def test_the_list_page_searches_and_pages(client, db):
    for n in range(55):
        await make_lease(db, last_name=f"Nom{n:02d}", mobile=None)
    await make_lease(db, last_name="Zébulon", mobile=None)
    await page_login(client, await make_user(db, "manager", "Blois"))
    html = await (await client.get("/locataires", params={"q": "zebulon"})).text()
    assert "Zébulon" in html and "Nom00" not in html
    html = await (await client.get("/locataires")).text()
    assert "Nom00" in html and "Nom50" not in html and "Page 1 / 2" in html
    html = await (await client.get("/locataires", params={"page": "2"})).text()
    assert "Nom50" in html and "Zébulon" in html and "Nom00" not in html


async def test_the_admin_gets_an_agency_filter(client, db):
    await make_lease(db, agency="Blois", last_name="Bleu")
    other = await make_lease(db, agency="Vendôme", last_name="Vert")
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get("/locataires", params={"agency": other.agency_id})).text()
    assert 'name="agency"' in html and "Vert" in html and "Bleu" not in html


async def test_the_tenant_page_shows_identity_lease_phones_and_history(client, db):
    lease = await make_lease(db, last_name="Lefèvre", first_name="Hélène", mobile="+33612345678",
                             landline="+33254000001", reduced_mobility=True)
    async with db.session() as s:
        s.add(OptOutEvent(e164="+33612345678", opted_out=True, source="sms", tenant_id=lease.tenant_id,
                          at=datetime(2026, 11, 10, 8, tzinfo=UTC)))
        await s.commit()
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get(f"/locataires/{lease.tenant_id}")
    assert resp.status == 200
    html = await resp.text()
    assert "Hélène" in html and "Lefèvre" in html
    assert "06 12 34 56 78" in html and "02 54 00 00 01" in html
    assert "SMS refusés" in html and "Mobilité réduite" in html
    assert "Les Provinces" in html and lease.contract_ref in html
    assert "Refus des SMS (par SMS)" in html  # the timeline
    assert "10/11/2026" in html  # the opt-out history, local date


async def test_another_agencys_tenant_page_is_a_403_page(client, db):
    other = await make_lease(db, agency="Vendôme", last_name="Vert")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.get(f"/locataires/{other.tenant_id}")
    assert resp.status == 403
    assert "Accès refusé" in await resp.text()


async def test_without_a_session_the_pages_redirect_to_login(client, db):
    resp = await client.get("/locataires", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/login")


async def test_an_admin_can_download_the_export_from_the_tenant_page(client, db):
    lease = await make_lease(db, last_name="Lefèvre")
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get(f"/locataires/{lease.tenant_id}")).text()
    link = f"/api/v1/tenants/{lease.tenant_id}/export"
    assert link in html
    resp = await client.get(link)  # the session cookie opens it
    assert resp.status == 200 and (await resp.json())["tenant"]["last_name"] == "Lefèvre"


async def test_advisers_get_no_export_link(client, db):
    lease = await make_lease(db, last_name="Lefèvre")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get(f"/locataires/{lease.tenant_id}")).text()
    assert "/export" not in html
