"""The tenant gets one SMS at registered, scheduled (with the appointment in French), done and
cancelled by default, through the outbox; never twice for the same step; the request shows
each SMS and its delivery status."""

from datetime import datetime

from sqlalchemy import func, select

from crm.campaigns.models import Campaign, OutboxMessage
from tests.conftest import PARIS
from tests.support.requests import move, open_request, request_messages, sent_sms, tenant_and_adviser


async def test_registered_scheduled_and_done_each_send_one_sms_with_the_appointment_in_french(client, db, app, clock):
    tenant, headers = await tenant_and_adviser(client, db, last_name="Martin")
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "taken_on")  # not notified by default
    await move(client, headers, created["id"], "scheduled",
               appointment_at="2026-11-17T14:30:00")  # local time, as typed
    await move(client, headers, created["id"], "in_progress")
    body = await move(client, headers, created["id"], "done")
    sms = await sent_sms(app, db)
    assert len(sms) == 3 and {to for to, _ in sms} == {"+33612345678"}
    assert "Mme Martin" in sms[0][1] and f"réf. {created['id']}" in sms[0][1] and "enregistrée" in sms[0][1]
    assert "mardi 17 novembre 2026 à 14h30" in sms[1][1]
    assert "traitée" in sms[2][1]
    by_step = {s["status"]: s["sms"] for s in body["steps"]}
    assert by_step["taken_on"] is None and by_step["in_progress"] is None
    assert by_step["registered"]["status"] == "pending"  # as stored before the dispatch
    detail = await (await client.get(f"/api/v1/requests/{created['id']}", headers=headers)).json()
    assert {s["status"]: (s["sms"] or {}).get("status") for s in detail["steps"]} == {
        "registered": "sent", "taken_on": None, "scheduled": "sent", "in_progress": None, "done": "sent"}
    async with db.session() as s:
        kinds = (await s.scalars(select(Campaign.kind).distinct())).all()
        assert kinds == ["request"]
        appointment = (await request_messages(db, created["id"]))["scheduled"]
        row = await s.get(OutboxMessage, appointment.outbox_message_id)
        assert row.body == sms[1][1]
    assert datetime.fromisoformat(detail["appointment_at"]) == datetime(2026, 11, 17, 14, 30, tzinfo=PARIS)


async def test_a_step_reached_again_after_a_reopening_sends_nothing_more(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "done")
    await move(client, headers, created["id"], "in_progress")
    await move(client, headers, created["id"], "done")
    sms = await sent_sms(app, db)
    assert len(sms) == 2  # registered, done (once)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 2


async def test_cancelling_tells_the_tenant(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    created = await open_request(client, headers, tenant)
    await move(client, headers, created["id"], "cancelled", note="Doublon")
    sms = await sent_sms(app, db)
    assert len(sms) == 2 and "annulée" in sms[1][1]
