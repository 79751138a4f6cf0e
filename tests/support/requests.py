"""Helpers for request tests: a tenant with a lease, the SMS the local backend "sent", and
requests opened through the real API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxMessage
from crm.db import Database
from crm.requests.models import RequestMessage, TenantRequest
from crm.sms.models import LocalSms
from tests.support.factories import api_user, make_lease


async def tenant_and_adviser(client: Any, db: Database, **lease: Any) -> tuple[int, dict[str, str]]:
    """A Blois tenant (mobile +33612345678 unless told) and a Blois adviser's headers."""
    made = await make_lease(db, **lease)
    return made.tenant_id, await api_user(client, db, "adviser", "Blois")


async def open_request(client: Any, headers: dict[str, str], tenant_id: int, **fields: Any) -> dict[str, Any]:
    body = {"tenant_id": tenant_id, "kind": "technical", "category": "leak",
            "description": "Fuite sous l'évier", **fields}
    resp = await client.post("/api/v1/requests", json=body, headers=headers)
    assert resp.status == 201, await resp.text()
    return await resp.json()


async def move(client: Any, headers: dict[str, str], request_id: int, status: str,
               expect: int = 200, **fields: Any) -> dict[str, Any]:
    resp = await client.post(f"/api/v1/requests/{request_id}/status",
                             json={"status": status, **fields}, headers=headers)
    assert resp.status == expect, await resp.text()
    return await resp.json()


async def sent_sms(app: Any, db: Database) -> list[tuple[str, str]]:
    """Dispatch what is due, then every (to, body) the local backend holds, in the order the
    outbox rows were written (the dispatcher sends a batch concurrently)."""
    await dispatch_once(app)
    async with db.session() as s:
        rows = await s.execute(select(LocalSms.to, LocalSms.body)
                               .join(OutboxMessage, OutboxMessage.provider_sid == LocalSms.sid)
                               .order_by(OutboxMessage.id))
        return [(to, body) for to, body in rows.all()]


async def request_messages(db: Database, request_id: int) -> dict[str, RequestMessage]:
    async with db.session() as s:
        rows = await s.scalars(select(RequestMessage).where(RequestMessage.request_id == request_id))
        return {m.step: m for m in rows}


async def stored(db: Database, request_id: int) -> TenantRequest:
    async with db.session() as s:
        found = await s.get(TenantRequest, request_id)
        assert found is not None
        return found


async def add_answered_requests(db: Database, kind: str, scores: list[int], *, at: Any,
                                agency: str = "Blois") -> None:
    """Closed requests of one kind whose satisfaction SMS was answered at ``at``."""
    from crm.requests import steps

    lease = await make_lease(db, agency=agency)
    async with db.session() as s:
        for score in scores:
            s.add(TenantRequest(tenant_id=lease.tenant_id, agency_id=lease.agency_id, kind=kind,
                                category="leak" if kind == "technical" else "rent",
                                status=steps.CLOSED, registered_at=at, due_at=at, closed_at=at,
                                satisfaction=score, satisfaction_at=at, updated_at=at))
        await s.commit()
