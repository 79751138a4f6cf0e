"""Right to erasure: an admin anonymises a tenant; names, numbers, notes and texts are gone,
rows stay so that indicators keep counting."""

from sqlalchemy import func, select

from crm.calls.models import CallAttempt, FollowUp, Interview
from crm.campaigns.models import Campaign, OutboxMessage
from crm.inbox.models import InboundMessage
from crm.models import AuditEvent, OptOutEvent, Phone, Tenant
from crm.sms.models import LocalSms
from tests.support.factories import api_user, make_lease
from tests.support.privacy import add_history


async def test_anonymising_replaces_identity_numbers_notes_and_sms_texts(client, db, clock):
    lease = await make_lease(db, last_name="Lefèvre", first_name="Hélène", mobile="+33612345678",
                             landline="+33254000001")
    ids = await add_history(db, lease, "+33612345678")
    neighbour = await make_lease(db, last_name="Voisin", mobile="+33698765432")
    neighbour_ids = await add_history(db, neighbour, "+33698765432", sid="SM2")
    headers = await api_user(client, db, "admin", None)

    resp = await client.post(f"/api/v1/tenants/{lease.tenant_id}/anonymize", headers=headers)
    assert resp.status == 200
    body = await resp.json()
    assert body["counts"]["phones"] == 2

    async with db.session() as s:
        tenant = await s.get(Tenant, lease.tenant_id)
        assert tenant.last_name == "Anonyme" and tenant.first_name is None and tenant.email is None
        assert tenant.anonymized_at == clock.now()
        numbers = list(await s.scalars(select(Phone.e164).where(Phone.tenant_id == lease.tenant_id)))
        assert len(numbers) == 2 and not any(n in ("+33612345678", "+33254000001") for n in numbers)
        assert (await s.get(CallAttempt, ids["attempt"])).note is None
        assert (await s.get(CallAttempt, ids["attempt"])).phone_e164 in numbers
        assert "fuite" not in (await s.get(Interview, ids["interview"])).summary.lower()
        assert "Lefèvre" not in (await s.get(FollowUp, ids["follow_up"])).description
        outbox = await s.get(OutboxMessage, ids["outbox"])
        assert "Hélène" not in outbox.body and outbox.e164 in numbers and outbox.status == "delivered"
        assert "Hélène" not in (await s.get(Campaign, ids["direct"])).body
        assert (await s.get(Campaign, neighbour_ids["direct"])).body.startswith("Hélène")
        inbound = await s.get(InboundMessage, ids["inbound"])
        assert "Hélène" not in inbound.body and inbound.from_e164 in numbers
        local = await s.get(LocalSms, ids["local"])
        assert "Hélène" not in local.body and local.to in numbers
        # Nothing left anywhere with the old number
        for column in (Phone.e164, OutboxMessage.e164, InboundMessage.from_e164, LocalSms.to,
                       CallAttempt.phone_e164, OptOutEvent.e164):
            assert not await s.scalar(select(func.count()).where(column == "+33612345678"))
        # The neighbour is untouched
        assert (await s.get(CallAttempt, neighbour_ids["attempt"])).note.startswith("Mme")
        assert (await s.get(InboundMessage, neighbour_ids["inbound"])).from_e164 == "+33698765432"
        audit = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "anonymize"))).all()
        assert [a.object_id for a in audit] == [str(lease.tenant_id)]

    # The API now shows the anonymous household.
    detail = await (await client.get(f"/api/v1/tenants/{lease.tenant_id}", headers=headers)).json()
    assert detail["last_name"] == "Anonyme" and detail["anonymized_at"]


async def test_a_number_still_opted_out_keeps_its_objection(client, db):
    lease = await make_lease(db, last_name="Stop", mobile="+33611112222", opted_out=True)
    headers = await api_user(client, db, "admin", None)
    assert (await client.post(f"/api/v1/tenants/{lease.tenant_id}/anonymize", headers=headers)).status == 200
    async with db.session() as s:
        events = (await s.scalars(select(OptOutEvent))).all()
    assert [(e.e164, e.opted_out) for e in events] == [("+33611112222", True)]


async def test_only_admins_may_anonymise_and_twice_is_harmless(client, db):
    lease = await make_lease(db, last_name="Lefèvre")
    manager = await api_user(client, db, "manager", "Blois")
    assert (await client.post(f"/api/v1/tenants/{lease.tenant_id}/anonymize", headers=manager)).status == 403
    async with db.session() as s:
        assert (await s.get(Tenant, lease.tenant_id)).last_name == "Lefèvre"
    admin = await api_user(client, db, "admin", None)
    for _ in range(2):
        assert (await client.post(f"/api/v1/tenants/{lease.tenant_id}/anonymize", headers=admin)).status == 200
    assert (await client.post("/api/v1/tenants/4242/anonymize", headers=admin)).status == 404
