"""Audiences: a union of estate parts and tenants, active leases only, scoped to the
manager's agency, with exclusions counted by reason."""

from datetime import date

from sqlalchemy import select

from crm.campaigns.audience import Audience, AudienceScan
from crm.models import Phone
from tests.support.campaigns import building_b, ids
from tests.support.factories import api_user, make_lease

TODAY = date(2026, 11, 16)


async def scan(db, audience, agency_id=None, **kwargs):
    async with db.session() as s:
        result = AudienceScan(Audience(**audience), agency_id, TODAY, **kwargs)
        recipients = [r async for batch in result.chunks(s) for r in batch]
    return result, recipients


async def test_the_audience_is_the_union_of_building_entrance_and_tenant_ids(db):
    b = await building_b(db, 2)
    c = await make_lease(db, building="C", entrance="1", mobile="+33622000001")
    other = await make_lease(db, residence="Les Grouets", building="A", mobile="+33622000002")
    await make_lease(db, residence="Les Grouets", building="A", mobile="+33622000003")
    place_b = await ids(db, building="B")
    place_c = await ids(db, building="C", entrance="1")
    result, recipients = await scan(db, {"buildings": [place_b["building"]],
                                         "entrances": [place_c["entrance"]],
                                         "tenant_ids": [other.tenant_id, b[0].tenant_id]})
    assert sorted(r.tenant_id for r in recipients) == sorted(
        [b[0].tenant_id, b[1].tenant_id, c.tenant_id, other.tenant_id])
    assert result.recipients == 4


async def test_ended_leases_are_left_out_but_a_lease_ending_today_is_in(db):
    await make_lease(db, building="B", mobile="+33611000001", lease_end=date(2026, 11, 15))
    today = await make_lease(db, building="B", mobile="+33611000002", lease_end=TODAY)
    place = await ids(db, building="B")
    _, recipients = await scan(db, {"buildings": [place["building"]]})
    assert [r.tenant_id for r in recipients] == [today.tenant_id]


async def test_a_scan_restricted_to_an_agency_ignores_other_agencies_leases(db):
    await make_lease(db, agency="Blois", building="B", mobile="+33611000001")
    vendome = await make_lease(db, agency="Vendôme", residence="Le Temple", building="A",
                               mobile="+33611000002")
    blois = await ids(db, "Blois")
    _, recipients = await scan(db, {"tenant_ids": [vendome.tenant_id]}, agency_id=blois["agency"])
    assert recipients == []


async def test_exclusions_are_counted_by_reason_and_a_shared_number_gets_one_message(db):
    await building_b(db, 2)
    await make_lease(db, building="B", mobile=None, landline="+33254111111", last_name="Fixe")
    await make_lease(db, building="B", mobile="+33699999999", opted_out=True, last_name="Stop")
    await make_lease(db, building="B", mobile="+33611000000", last_name="Conjoint")  # same as Martin0
    broken = await make_lease(db, building="B", mobile="+33677777777", last_name="Invalide")
    async with db.session() as s:
        phone = (await s.scalars(select(Phone).where(Phone.tenant_id == broken.tenant_id))).one()
        phone.valid = False
        await s.commit()
    place = await ids(db, building="B")
    result, recipients = await scan(db, {"buildings": [place["building"]]}, collect_unreachable=True)
    assert result.recipients == 2
    assert sorted(r.e164 for r in recipients) == ["+33611000000", "+33611000001"]
    assert result.excluded == {"opted_out": 1, "no_mobile": 2, "duplicate_phone": 1}
    reasons = {c.name: (c.reason, c.landline) for c in result.unreachable}
    assert reasons["Mme Sandrine Fixe"] == ("Pas de mobile", "+33254111111")
    assert reasons["Mme Sandrine Stop"] == ("SMS refusés (STOP)", None)
    assert reasons["Mme Sandrine Invalide"][0] == "Pas de mobile"


async def test_urgent_alerts_may_ignore_opt_outs_when_the_landlord_allows_it(db):
    await make_lease(db, building="B", mobile="+33699999999", opted_out=True)
    place = await ids(db, building="B")
    result, recipients = await scan(db, {"buildings": [place["building"]]}, ignore_opt_out=True)
    assert [r.e164 for r in recipients] == ["+33699999999"]
    assert result.excluded["opted_out"] == 0


async def test_reduced_mobility_tenants_are_listed_when_asked(db):
    await building_b(db, 1)
    await make_lease(db, building="B", mobile=None, landline="+33254222222", reduced_mobility=True,
                     last_name="Fauteuil")
    place = await ids(db, building="B")
    result, _ = await scan(db, {"buildings": [place["building"]]}, collect_reduced_mobility=True)
    assert [(c.name, c.landline) for c in result.reduced_mobility] == [
        ("Mme Sandrine Fauteuil", "+33254222222")]


async def test_a_large_audience_is_read_in_chunks_with_one_message_per_tenant(db):
    await building_b(db, 25)
    place = await ids(db, building="B")
    result, recipients = await scan(db, {"buildings": [place["building"]]}, chunk_size=7)
    assert result.recipients == 25
    assert len({r.tenant_id for r in recipients}) == 25


async def test_a_manager_of_blois_cannot_target_vendome_ids(client, db):
    await make_lease(db, agency="Blois", building="B")
    vendome = await make_lease(db, agency="Vendôme", residence="Le Temple", building="A",
                               mobile="+33611000002")
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, "Vendôme", "Le Temple", building="A")
    for audience in ({"agencies": [place["agency"]]}, {"residences": [place["residence"]]},
                     {"buildings": [place["building"]]}, {"tenant_ids": [vendome.tenant_id]}):
        resp = await client.post("/api/v1/campaigns", headers=headers, json={
            "name": "x", "category": "information", "body": "Bonjour", "audience": audience})
        assert resp.status == 403, audience
        assert (await resp.json())["error"]["code"] == "agency_forbidden"
        resp = await client.post("/api/v1/campaigns/audience-count", headers=headers,
                                 json={"audience": audience})
        assert resp.status == 403


async def test_the_live_counter_gives_recipients_and_exclusions(client, db):
    await building_b(db, 3)
    await make_lease(db, building="B", mobile=None)
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns/audience-count", headers=headers,
                             json={"audience": {"buildings": [place["building"]]}, "category": "outage"})
    assert resp.status == 200
    assert await resp.json() == {"recipients": 3,
                                 "excluded": {"opted_out": 0, "no_mobile": 1, "duplicate_phone": 0}}


async def test_an_adviser_cannot_create_campaigns(client, db):
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post("/api/v1/campaigns", headers=headers, json={
        "name": "x", "category": "information", "body": "Bonjour", "audience": {"agencies": [1]}})
    assert resp.status == 403
