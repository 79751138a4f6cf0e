"""Launching: every outbox row written before anything is sent, once, with the first
sending time; a second launch writes and sends nothing more."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Campaign, OutboxMessage
from crm.models import AuditEvent
from crm.sms.models import LocalSms
from tests.support.campaigns import building_b, ids, lift_campaign
from tests.support.factories import api_user, make_lease

PARIS = ZoneInfo("Europe/Paris")


async def draft(client, headers, body):
    resp = await client.post("/api/v1/campaigns", headers=headers, json=body)
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["status"] == "draft"
    return created["id"]


async def test_launching_twice_writes_one_row_per_number_and_sends_once(client, db, app, clock):
    await building_b(db, 3)
    await make_lease(db, building="B", mobile="+33611000000", last_name="Conjoint")
    headers = await api_user(client, db, "manager", "Blois")
    campaign_id = await draft(client, headers, lift_campaign((await ids(db, building="B"))["building"]))
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    first = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert first.status == 202
    assert await first.json() == {"status": "sending"}
    async with db.session() as s:
        rows = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.e164))).all()
        assert [(r.e164, r.status) for r in rows] == [
            ("+33611000000", "pending"), ("+33611000001", "pending"), ("+33611000002", "pending")]
        assert {r.next_try_at for r in rows} == {clock.now()}  # urgent outage: at once
        assert rows[0].body.startswith("Bonjour Mme Martin0, l'ascenseur")
        assert rows[0].segments == 1
        assert await s.scalar(select(func.count()).select_from(LocalSms)) == 0  # nothing sent yet

    second = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert second.status == 202
    assert (await second.json())["status"] in ("sending", "done")
    assert await dispatch_once(app) == 3
    assert await dispatch_once(app) == 0
    third = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert third.status == 202
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 3
        sent = (await s.scalars(select(LocalSms.to).order_by(LocalSms.to))).all()
        assert sent == ["+33611000000", "+33611000001", "+33611000002"]
        audits = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "campaign_launch"))).all()
        assert len(audits) == 1 and audits[0].details["recipients"] == 3
        assert (await s.get(Campaign, campaign_id)).status == "done"


async def test_a_rent_reminder_launched_on_sunday_is_scheduled_for_monday_8h(client, db, app, clock):
    await building_b(db, 2)
    headers = await api_user(client, db, "manager", "Blois")
    clock.set(datetime(2026, 11, 22, 15, 0, tzinfo=PARIS))
    campaign_id = await draft(client, headers, {
        "name": "Loyer", "category": "rent_reminder", "body": "Loyer de {{ month }} à régler.",
        "variables": {"month": "novembre"}, "audience": {"buildings": [(await ids(db, building="B"))["building"]]}})
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert await resp.json() == {"status": "scheduled"}
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=PARIS)
    async with db.session() as s:
        rows = (await s.scalars(select(OutboxMessage))).all()
        assert {r.next_try_at for r in rows} == {monday}
        assert {r.body for r in rows} == {"Loyer de novembre à régler."}
    assert await dispatch_once(app) == 0  # Sunday: nothing goes
    clock.set(monday)
    assert await dispatch_once(app) == 2


async def test_a_campaign_without_reachable_tenants_cannot_be_launched(client, db):
    await make_lease(db, building="B", mobile=None)
    headers = await api_user(client, db, "manager", "Blois")
    campaign_id = await draft(client, headers, lift_campaign((await ids(db, building="B"))["building"]))
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "no_recipients"
    async with db.session() as s:
        assert (await s.get(Campaign, campaign_id)).status == "draft"


async def test_another_agencys_manager_can_neither_see_nor_launch_it(client, db):
    await building_b(db, 1)
    await make_lease(db, agency="Vendôme", residence="Le Temple", building="A", mobile="+33622000000")
    blois = await api_user(client, db, "manager", "Blois")
    vendome = await api_user(client, db, "manager", "Vendôme")
    campaign_id = await draft(client, blois, lift_campaign((await ids(db, building="B"))["building"]))
    for method, path in (("GET", ""), ("GET", "/preview"), ("POST", "/launch"), ("POST", "/cancel")):
        resp = await client.request(method, f"/api/v1/campaigns/{campaign_id}{path}", headers=vendome)
        assert resp.status == 403, path
    resp = await client.get("/api/v1/campaigns", headers=vendome)
    assert (await resp.json())["total"] == 0
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_a_draft_belongs_to_the_managers_agency_and_outages_default_to_urgent(client, db):
    await building_b(db, 1)
    headers = await api_user(client, db, "manager", "Blois")
    building = (await ids(db, building="B"))["building"]
    resp = await client.post("/api/v1/campaigns", headers=headers, json=lift_campaign(building))
    created = await resp.json()
    assert created["urgent"] is True and created["agency_id"] == (await ids(db))["agency"]
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json=lift_campaign(building, category="works"))
    assert (await resp.json())["urgent"] is False
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json=lift_campaign(building, category="party"))
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "validation_error"


async def test_two_launches_racing_write_the_rows_once(client, db):
    import asyncio

    await building_b(db, 5)
    headers = await api_user(client, db, "manager", "Blois")
    campaign_id = await draft(client, headers, lift_campaign((await ids(db, building="B"))["building"]))
    answers = await asyncio.gather(*(client.post(f"/api/v1/campaigns/{campaign_id}/launch",
                                                 headers=headers) for _ in range(3)))
    assert [a.status for a in answers] == [202, 202, 202], [await a.text() for a in answers]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 5
        assert await s.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "campaign_launch")) == 1


async def test_an_admins_campaign_for_one_agency_is_that_agencys(client, db):
    await building_b(db, 2)
    await make_lease(db, agency="Vendôme", residence="Le Temple", building="A", mobile="+33622000000")
    admin = await api_user(client, db, "admin", None)
    blois = await api_user(client, db, "manager", "Blois")
    vendome = await api_user(client, db, "manager", "Vendôme")
    campaign_id = await draft(client, admin, lift_campaign((await ids(db, building="B"))["building"]))
    assert (await (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=blois)).json())[
        "agency_id"] == (await ids(db))["agency"]
    assert (await client.get(f"/api/v1/campaigns/{campaign_id}", headers=vendome)).status == 403
    both = await draft(client, admin, lift_campaign(0, audience={
        "agencies": [(await ids(db))["agency"], (await ids(db, "Vendôme", "Le Temple"))["agency"]]}))
    resp = await client.post(f"/api/v1/campaigns/{both}/launch", headers=admin)
    assert resp.status == 202
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.campaign_id == both)) == 3
    assert (await client.get(f"/api/v1/campaigns/{both}", headers=blois)).status == 403
