"""In local mode a tenant's reply can be simulated from the simulation page or the
conversation; it goes through the webhook's code path (understood, threaded, STOP honoured,
"rappelez-moi" makes a call task), and the demo's data follow the same rules."""

import random
import re
from datetime import timedelta

from sqlalchemy import select

from crm.calls.models import CallTask
from crm.campaigns.models import Campaign, OutboxMessage
from crm.campaigns.service import progress as campaign_progress
from crm.inbox import demo
from crm.inbox.models import InboundMessage
from crm.inbox.understanding import Intent
from crm.sms.models import LocalSms
from crm.tenants.optouts import is_opted_out
from tests.support.factories import make_lease, make_user, page_login
from tests.support.sms import make_sent_campaign

MOBILE = "+33611000001"


async def _sent(db, clock):
    lease = await make_lease(db, mobile=MOBILE, last_name="Martin")
    campaign = await make_sent_campaign(db, agency_id=lease.agency_id, sent_at=clock.now() - timedelta(hours=2),
                                        recipients=[(lease.tenant_id, MOBILE)])
    async with db.session() as s:
        row = (await s.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id))).one()
        s.add(LocalSms(sid=row.provider_sid or "SM" + "0" * 32, to=MOBILE, body=row.body, at=clock.now()))
        await s.commit()
    return lease, campaign


async def test_a_simulated_problem_report_is_threaded_and_flags_the_campaign(client, db, clock):
    lease, campaign = await _sent(db, clock)
    token = await page_login(client, await make_user(db, "adviser", "Blois"))
    page = await (await client.get("/sms-simulation?de=%2B33611000001")).text()
    assert "Simuler une réponse d'un locataire" in page and f'value="{MOBILE}"' in page
    resp = await client.post("/sms-simulation/reponse", allow_redirects=False, data={
        "csrf_token": token, "from": "06 11 00 00 01", "body": "Toujours pas d'eau au bâtiment B"})
    assert resp.status == 303
    async with db.session() as s:
        message = (await s.scalars(select(InboundMessage))).one()
        assert (message.campaign_id, message.tenant_id, message.intent) == (
            campaign.id, lease.tenant_id, Intent.PROBLEM_PERSISTS)
        assert (await campaign_progress(s, await s.get(Campaign, campaign.id)))["problem_persists_count"] == 1
    assert resp.headers["Location"] == f"/messages/{message.id}"


async def test_a_simulated_stop_is_honoured_and_confirmed_on_the_simulation_page(client, db, clock):
    await _sent(db, clock)
    token = await page_login(client, await make_user(db, "adviser", "Blois"))
    await client.post("/sms-simulation/reponse", data={"csrf_token": token, "from": MOBILE, "body": "STOP"})
    async with db.session() as s:
        assert await is_opted_out(s, MOBILE)
        kept = (await s.scalars(select(LocalSms.body).order_by(LocalSms.id))).all()
    assert len(kept) == 2 and "STOP" not in kept[0]  # the confirmation the tenant would get


async def test_a_simulated_callback_request_from_the_conversation_makes_a_call_task(client, db, clock):
    lease, _ = await _sent(db, clock)
    token = await page_login(client, await make_user(db, "adviser", "Blois"))
    await client.post("/sms-simulation/reponse", data={"csrf_token": token, "from": MOBILE, "body": "Merci"})
    async with db.session() as s:
        first = (await s.scalars(select(InboundMessage))).one()
    html = await (await client.get(f"/messages/{first.id}")).text()
    assert 'action="/sms-simulation/reponse"' in html
    resp = await client.post("/sms-simulation/reponse", allow_redirects=False, data={
        "csrf_token": token, "from": MOBILE, "body": "Pouvez-vous me rappeler svp", "back": f"/messages/{first.id}"})
    assert resp.status == 303
    async with db.session() as s:
        task = (await s.scalars(select(CallTask).where(CallTask.lease_id == lease.id))).one()
        assert task.requested_by_sms


async def test_a_number_never_texted_is_refused_and_named(client, db, clock):
    await _sent(db, clock)
    token = await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post("/sms-simulation/reponse", data={"csrf_token": token, "from": "06 99 99 99 99",
                                                               "body": "Bonjour"})
    assert resp.status == 422
    html = await resp.text()
    assert re.search(r'id="sim-from"[^>]*aria-invalid="true"', html)
    assert "Aucun SMS envoyé à ce numéro." in html
    async with db.session() as s:
        assert (await s.scalars(select(InboundMessage))).all() == []


async def test_simulation_is_refused_with_twilio(client, db, clock, settings):
    settings.sms_backend = "twilio"
    token = await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post("/sms-simulation/reponse", data={"csrf_token": token, "from": MOBILE, "body": "x"})
    assert resp.status == 404


async def test_the_demos_open_callback_requests_have_call_tasks(db, clock):
    leases = [await make_lease(db, mobile=f"+336110{i:05d}") for i in range(150)]
    await make_sent_campaign(db, agency_id=leases[0].agency_id, sent_at=clock.now() - timedelta(days=1),
                             recipients=[(lease.tenant_id, f"+336110{i:05d}") for i, lease in enumerate(leases)])
    await demo.fill(db, clock, random.Random(3))
    async with db.session() as s:
        asks = (await s.scalars(select(InboundMessage).where(
            InboundMessage.intent == Intent.CALLBACK_REQUEST, InboundMessage.status == "open"))).all()
        tasks = {t.tenant_id for t in await s.scalars(select(CallTask).where(CallTask.requested_by_sms.is_(True)))}
    assert asks, "the seed should produce at least one 'rappelez-moi'"
    assert {m.tenant_id for m in asks} <= tasks
