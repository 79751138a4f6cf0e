"""Cancelling a campaign stops what has not been handed to the provider."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Campaign, OutboxMessage
from crm.sms.models import LocalSms
from tests.support.campaigns import building_b, ids
from tests.support.factories import api_user

PARIS = ZoneInfo("Europe/Paris")


async def test_cancel_turns_pending_rows_cancelled_and_nothing_is_sent(client, db, app, clock):
    await building_b(db, 3)
    headers = await api_user(client, db, "manager", "Blois")
    clock.set(datetime(2026, 11, 21, 22, 0, tzinfo=PARIS))  # Saturday night: it waits
    resp = await client.post("/api/v1/campaigns", headers=headers, json={
        "name": "Info", "category": "information", "body": "Réunion de locataires jeudi.",
        "audience": {"buildings": [(await ids(db, building="B"))["building"]]}})
    campaign_id = (await resp.json())["id"]
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert await resp.json() == {"status": "scheduled"}
    # One row was already handed over (e.g. by a dispatcher): it stays as it is.
    async with db.session() as s:
        first = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).first()
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == first.id).values(status="sent"))
        await s.commit()

    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/cancel", headers=headers)
    assert resp.status == 200
    assert await resp.json() == {"status": "cancelled", "cancelled": 2}
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    assert await dispatch_once(app) == 0
    async with db.session() as s:
        statuses = (await s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))).all()
        assert statuses == ["sent", "cancelled", "cancelled"]
        assert (await s.get(Campaign, campaign_id)).status == "cancelled"
        assert await s.scalar(select(func.count()).select_from(LocalSms)) == 0
    resp = await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers=headers)
    assert resp.status == 409
    resp = await client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers)
    body = await resp.json()
    assert body["status"] == "cancelled"
    assert body["counts"]["pending"] == 0 and body["cancelled"] == 2
