"""The estate tree: agencies, local offices, residences, buildings, entrances; scoped."""

from tests.support.factories import api_user, make_lease


async def test_the_tree_nests_the_estate_of_the_callers_agency(client, db):
    lease = await make_lease(db, agency="Blois", residence="Les Provinces", building="B", entrance="2",
                             local_office="Quinière")
    await make_lease(db, agency="Blois", residence="Les Provinces", building="B", entrance="3")
    await make_lease(db, agency="Vendôme", residence="Les Rottes", local_office="Centre")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get("/api/v1/estate", headers=headers)
    assert resp.status == 200
    tree = await resp.json()
    assert len(tree) == 1
    agency = tree[0]
    assert agency["id"] == lease.agency_id and agency["name"] == "Blois"
    assert agency["local_offices"] == [{"id": lease.local_office_id, "name": "Quinière"}]
    [residence] = agency["residences"]
    assert residence["id"] == lease.residence_id and residence["name"] == "Les Provinces"
    [building] = residence["buildings"]
    assert building["id"] == lease.building_id
    assert [e["name"] for e in building["entrances"]] == ["2", "3"]


async def test_an_admin_gets_every_agency_or_the_one_asked(client, db):
    await make_lease(db, agency="Blois")
    other = await make_lease(db, agency="Vendôme", residence="Les Rottes")
    headers = await api_user(client, db, "admin", None)
    tree = await (await client.get("/api/v1/estate", headers=headers)).json()
    assert [a["name"] for a in tree] == ["Blois", "Vendôme"]
    tree = await (await client.get("/api/v1/estate", headers=headers,
                                   params={"agency": other.agency_id})).json()
    assert [a["name"] for a in tree] == ["Vendôme"]
    assert [r["name"] for r in tree[0]["residences"]] == ["Les Rottes"]


async def test_the_estate_of_another_agency_is_403_for_an_adviser(client, db):
    other = await make_lease(db, agency="Vendôme")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.get("/api/v1/estate", headers=headers, params={"agency": other.agency_id})
    assert resp.status == 403
    assert (await client.get("/api/v1/estate")).status == 401
