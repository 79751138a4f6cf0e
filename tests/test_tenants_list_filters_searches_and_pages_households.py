"""The tenants list: one row per household with its current lease, filters, search, pages."""

from datetime import date

from crm.models import Phone
from tests.support.factories import api_user, make_lease


async def _get(client, headers, **params):
    resp = await client.get("/api/v1/tenants", headers=headers, params=params)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_an_item_carries_the_current_lease_place_and_phones(client, db):
    lease = await make_lease(db, last_name="Martin", first_name="Sandrine", mobile="+33612345678",
                             landline="+33254112233", reduced_mobility=True, contract_ref="C-1")
    headers = await api_user(client, db, "adviser", "Blois")
    body = await _get(client, headers)
    assert body["total"] == 1 and body["page"] == 1
    item = body["items"][0]
    assert item["id"] == lease.tenant_id
    assert item["civility"] == "Mme" and item["first_name"] == "Sandrine" and item["last_name"] == "Martin"
    assert item["contract_ref"] == "C-1"
    assert item["lease_start"] == "2026-11-03" and item["lease_end"] is None
    assert item["agency"] == {"id": lease.agency_id, "name": "Blois"}
    assert item["residence"] == {"id": lease.residence_id, "name": "Les Provinces"}
    assert item["building"] == {"id": lease.building_id, "name": "B"}
    assert item["entrance"] == {"id": lease.entrance_id, "name": "2"}
    assert item["mobile"] == "+33612345678" and item["landline"] == "+33254112233"
    assert item["sms_opted_out"] is False and item["reduced_mobility"] is True


async def test_a_household_with_two_leases_is_listed_once_with_the_latest(client, db):
    old = await make_lease(db, last_name="Durand", residence="Les Acacias",
                           lease_start=date(2019, 1, 1), lease_end=date(2026, 6, 30), contract_ref="OLD")
    async with db.session() as s:
        from crm.models import Tenant
        tenant = await s.get(Tenant, old.tenant_id)
    await make_lease(db, tenant=tenant, residence="Les Provinces", lease_start=date(2026, 7, 1),
                     contract_ref="NEW")
    headers = await api_user(client, db, "adviser", "Blois")
    body = await _get(client, headers)
    assert body["total"] == 1
    assert [i["contract_ref"] for i in body["items"]] == ["NEW"]


async def test_opted_out_mobiles_are_flagged(client, db):
    await make_lease(db, last_name="Petit", mobile="+33611111111", opted_out=True)
    await make_lease(db, last_name="Grand", mobile="+33622222222")
    headers = await api_user(client, db, "adviser", "Blois")
    items = {i["last_name"]: i for i in (await _get(client, headers))["items"]}
    assert items["Petit"]["sms_opted_out"] is True
    assert items["Grand"]["sms_opted_out"] is False


async def test_filters_by_residence_and_building(client, db):
    a = await make_lease(db, last_name="Alpha", residence="Les Acacias", building="A")
    await make_lease(db, last_name="Bravo", residence="Les Acacias", building="B")
    await make_lease(db, last_name="Charlie", residence="Le Parc", building="A")
    headers = await api_user(client, db, "adviser", "Blois")
    body = await _get(client, headers, residence=a.residence_id)
    assert sorted(i["last_name"] for i in body["items"]) == ["Alpha", "Bravo"]
    body = await _get(client, headers, residence=a.residence_id, building=a.building_id)
    assert [i["last_name"] for i in body["items"]] == ["Alpha"]


async def test_q_matches_names_without_case_or_accents(client, db):
    await make_lease(db, last_name="Lefèvre", first_name="Hélène")
    await make_lease(db, last_name="ÉTIENNE", first_name="Paul")
    await make_lease(db, last_name="Other", first_name="Jean")
    headers = await api_user(client, db, "adviser", "Blois")
    assert [i["last_name"] for i in (await _get(client, headers, q="lefevre"))["items"]] == ["Lefèvre"]
    assert [i["last_name"] for i in (await _get(client, headers, q="HELENE lef"))["items"]] == ["Lefèvre"]
    assert [i["last_name"] for i in (await _get(client, headers, q="etienne"))["items"]] == ["ÉTIENNE"]
    assert (await _get(client, headers, q="zzz"))["total"] == 0


async def test_q_matches_the_contract_reference(client, db):
    await make_lease(db, last_name="Ref", contract_ref="BX-2026-0042")
    await make_lease(db, last_name="Autre", contract_ref="BX-2025-0001")
    headers = await api_user(client, db, "adviser", "Blois")
    assert [i["last_name"] for i in (await _get(client, headers, q="bx-2026-0042"))["items"]] == ["Ref"]


async def test_q_matches_phone_numbers_written_the_french_way_or_e164(client, db):
    await make_lease(db, last_name="Mobile", mobile="+33612345678")
    await make_lease(db, last_name="Fixe", mobile=None, landline="+33254781200")
    headers = await api_user(client, db, "adviser", "Blois")
    for q in ("06 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "06.12.34.56.78"):
        assert [i["last_name"] for i in (await _get(client, headers, q=q))["items"]] == ["Mobile"], q
    assert [i["last_name"] for i in (await _get(client, headers, q="02 54 78 12 00"))["items"]] == ["Fixe"]
    assert [i["last_name"] for i in (await _get(client, headers, q="56 78"))["items"]] == ["Mobile"]


async def test_pages_are_sorted_by_name_and_counted(client, db):
    for name in ("Eve", "Bob", "Dan", "Alice", "Carl"):
        await make_lease(db, last_name=name, mobile=None)
    headers = await api_user(client, db, "adviser", "Blois")
    first = await _get(client, headers, per_page=2)
    second = await _get(client, headers, per_page=2, page=2)
    third = await _get(client, headers, per_page=2, page=3)
    assert first["total"] == second["total"] == 5
    assert [i["last_name"] for i in first["items"]] == ["Alice", "Bob"]
    assert [i["last_name"] for i in second["items"]] == ["Carl", "Dan"]
    assert [i["last_name"] for i in third["items"]] == ["Eve"] and third["page"] == 3


async def test_per_page_above_1000_or_bad_numbers_are_400(client, db):
    headers = await api_user(client, db, "adviser", "Blois")
    for params in ({"per_page": "1001"}, {"page": "0"}, {"page": "abc"}, {"residence": "x"}):
        resp = await client.get("/api/v1/tenants", headers=headers, params=params)
        assert resp.status == 400, params
        assert (await resp.json())["error"]["code"] in ("invalid_pagination", "invalid_parameter")


async def test_invalid_phones_come_after_working_ones(client, db):
    lease = await make_lease(db, last_name="Deux", mobile="+33600000001")
    async with db.session() as s:
        s.add(Phone(tenant_id=lease.tenant_id, e164="+33600000002", kind="mobile", valid=True,
                    created_at=lease.created_at))
        first = await s.get(Phone, 1)
        first.valid = False
        await s.commit()
    headers = await api_user(client, db, "adviser", "Blois")
    assert (await _get(client, headers))["items"][0]["mobile"] == "+33600000002"


async def test_without_a_token_the_list_is_401(client):
    resp = await client.get("/api/v1/tenants")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthenticated"
