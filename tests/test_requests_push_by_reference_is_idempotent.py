"""PUT /api/v1/requests/by-ref/{external_ref}: the landlord's software creates or updates a
request; the same body twice changes nothing and sends nothing; a step older than the
current one is ignored, not an error."""

from sqlalchemy import func, select

from crm.campaigns.models import OutboxMessage
from crm.requests.models import RequestStep, TenantRequest
from tests.support.requests import sent_sms, tenant_and_adviser


async def push(client, headers, ref, body, expect):
    resp = await client.put(f"/api/v1/requests/by-ref/{ref}", json=body, headers=headers)
    assert resp.status == expect, await resp.text()
    return await resp.json()


async def counts(db):
    async with db.session() as s:
        return (await s.scalar(select(func.count()).select_from(TenantRequest)),
                await s.scalar(select(func.count()).select_from(RequestStep)),
                await s.scalar(select(func.count()).select_from(OutboxMessage)))


async def test_the_same_body_twice_creates_once_and_sends_once(client, db, app, clock):
    tenant, headers = await tenant_and_adviser(client, db)
    body = {"tenant_id": tenant, "kind": "technical", "category": "heating",
            "description": "Radiateur froid", "urgency": "U2", "status": "scheduled",
            "appointment_at": "2026-11-18T09:00:00+01:00"}
    first = await push(client, headers, "GMAO-42", body, 201)
    assert first["created"] and first["status"] == "scheduled" and first["external_ref"] == "GMAO-42"
    before = await counts(db)
    assert before == (1, 2, 2)  # registered + scheduled, each with its SMS
    clock.advance(minutes=5)
    second = await push(client, headers, "GMAO-42", body, 200)
    assert second["created"] is False and second["changed"] is False
    assert await counts(db) == before
    same = [(st["status"], st["at"], st["sms"]["id"]) for st in second["steps"]]
    assert same == [(st["status"], st["at"], st["sms"]["id"]) for st in first["steps"]]
    assert len(await sent_sms(app, db)) == 2


async def test_an_older_step_pushed_late_is_ignored_and_fields_still_update(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    body = {"tenant_id": tenant, "kind": "technical", "category": "leak", "status": "done"}
    await push(client, headers, "GMAO-7", body, 201)
    late = await push(client, headers, "GMAO-7", {**body, "status": "taken_on",
                                                   "description": "Joint changé"}, 200)
    assert late["status"] == "done" and late["ignored_status"] == "taken_on"
    assert late["description"] == "Joint changé" and late["changed"] is True
    assert [s["status"] for s in late["steps"]] == ["registered", "done"]
    assert len(await sent_sms(app, db)) == 2


async def test_a_new_step_moves_the_request_forward_and_sends_its_sms(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    body = {"tenant_id": tenant, "kind": "administrative", "category": "certificate"}
    created = await push(client, headers, "REF-1", body, 201)
    assert created["status"] == "registered"
    cancelled = await push(client, headers, "REF-1", {**body, "status": "cancelled"}, 200)
    assert cancelled["status"] == "cancelled"
    assert [b for _, b in await sent_sms(app, db)][-1].count("annulée") == 1


async def test_a_reference_of_another_tenant_is_a_409(client, db):
    tenant, headers = await tenant_and_adviser(client, db)
    from tests.support.factories import make_lease

    other = (await make_lease(db, mobile="+33699999999")).tenant_id
    body = {"tenant_id": tenant, "kind": "technical", "category": "leak"}
    await push(client, headers, "X-1", body, 201)
    refused = await push(client, headers, "X-1", {**body, "tenant_id": other}, 409)
    assert refused["error"]["code"] == "tenant_mismatch"
