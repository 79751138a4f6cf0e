"""One SMS to one tenant: advisers may, within their agency, never to an opted-out number."""

from sqlalchemy import select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import Campaign, OutboxMessage
from crm.sms.models import LocalSms
from tests.support.factories import api_user, make_lease


async def test_an_adviser_sends_one_sms_to_a_tenant_of_their_agency(client, db, app):
    lease = await make_lease(db, mobile="+33612345678", landline="+33254000001")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/tenants/{lease.tenant_id}/sms", headers=headers,
                             json={"body": "Bonjour, votre rendez-vous est confirmé."})
    assert resp.status == 202, await resp.text()
    body = await resp.json()
    assert body["e164"] == "+33612345678" and body["status"] == "pending" and body["segments"] == 1
    assert await dispatch_once(app) == 1
    async with db.session() as s:
        sent = (await s.scalars(select(LocalSms))).all()
        assert [(m.to, m.body) for m in sent] == [("+33612345678", "Bonjour, votre rendez-vous est confirmé.")]
        row = await s.get(OutboxMessage, body["id"])
        assert row.tenant_id == lease.tenant_id and row.status == "sent"
        campaign = await s.get(Campaign, row.campaign_id)
        assert campaign.kind == "direct" and campaign.agency_id == lease.agency_id
    # Direct messages are not campaigns: the campaign list stays empty.
    manager = await api_user(client, db, "manager", "Blois")
    assert (await (await client.get("/api/v1/campaigns", headers=manager)).json())["total"] == 0


async def test_an_opted_out_tenant_gets_422_and_nothing_is_queued(client, db):
    lease = await make_lease(db, mobile="+33612345678", opted_out=True)
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/tenants/{lease.tenant_id}/sms", headers=headers,
                             json={"body": "Bonjour"})
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "opted_out"
    async with db.session() as s:
        assert (await s.scalars(select(OutboxMessage))).all() == []


async def test_a_tenant_without_mobile_gets_422_no_mobile(client, db):
    lease = await make_lease(db, mobile=None, landline="+33254000001")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/tenants/{lease.tenant_id}/sms", headers=headers,
                             json={"body": "Bonjour"})
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "no_mobile"


async def test_an_adviser_of_blois_cannot_text_a_vendome_tenant(client, db):
    lease = await make_lease(db, agency="Vendôme", residence="Le Temple", mobile="+33612345678")
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/tenants/{lease.tenant_id}/sms", headers=headers,
                             json={"body": "Bonjour"})
    assert resp.status == 403
    resp = await client.post("/api/v1/tenants/999999/sms", headers=headers, json={"body": "Bonjour"})
    assert resp.status == 404
