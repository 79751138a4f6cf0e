"""Pushes of the same step arriving at once (the landlord's software retrying, two workers)
send exactly one SMS per notified step: the (request, step) key decides. Meant for
PostgreSQL, where the requests really run in parallel; SQLite serialises them."""

import asyncio

from sqlalchemy import func, select

from crm.campaigns.models import OutboxMessage
from crm.requests.models import RequestMessage, TenantRequest
from tests.support.requests import sent_sms, tenant_and_adviser


async def test_eight_simultaneous_pushes_of_a_new_reference_send_two_sms(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    body = {"tenant_id": tenant, "kind": "technical", "category": "leak", "status": "done"}
    responses = await asyncio.gather(*(
        client.put("/api/v1/requests/by-ref/RACE-1", json=body, headers=headers) for _ in range(8)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * 7 + [201], [await r.text() for r in responses]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(TenantRequest)) == 1
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 2
        steps = (await s.scalars(select(RequestMessage.step).order_by(RequestMessage.step))).all()
        assert steps == ["done", "registered"]
    assert len(await sent_sms(app, db)) == 2


async def test_simultaneous_status_changes_of_one_request_notify_the_step_once(client, db, app):
    tenant, headers = await tenant_and_adviser(client, db)
    body = {"tenant_id": tenant, "kind": "technical", "category": "leak"}
    assert (await client.put("/api/v1/requests/by-ref/RACE-2", json=body, headers=headers)).status == 201
    responses = await asyncio.gather(*(
        client.put("/api/v1/requests/by-ref/RACE-2", json={**body, "status": "cancelled"},
                   headers=headers) for _ in range(8)))
    assert {r.status for r in responses} == {200}
    payloads = [await r.json() for r in responses]
    assert sum(p["changed"] for p in payloads) == 1
    assert len(await sent_sms(app, db)) == 2  # registered, cancelled
