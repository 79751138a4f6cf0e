"""A lift back on Thursday 5 March (before Friday's threshold) owes nothing: both commitments
are cancelled. Back on Monday 9 March, shopping delivery (due Friday) stays owed and only the
rebate is cancelled; no rebate is written."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.incidents.models import RentRebate
from tests.support.factories import api_user
from tests.support.incidents import building, by_kind, declare, paris, run_job


async def _resolve(client, headers, incident_id, at):
    resp = await client.post(f"/api/v1/incidents/{incident_id}/resolve", json={"resolved_at": at.isoformat()},
                             headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_back_before_friday_cancels_both(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    clock.set(paris(2026, 3, 5, 17, 0))
    resolved = await _resolve(client, manager, incident["id"], paris(2026, 3, 5, 16, 30))
    assert resolved["status"] == "resolved"
    assert {c["status"] for c in resolved["commitments"]} == {"cancelled"}

    clock.set(paris(2026, 3, 20, 9, 0))  # the job later on changes nothing
    await run_job(client)
    resp = await client.get("/api/v1/commitments?status=all", headers=manager)
    assert {c["status"] for c in (await resp.json())["items"]} == {"cancelled"}
    assert (await (await client.get("/api/v1/commitments", headers=manager)).json())["total"] == 0


async def test_back_on_monday_keeps_friday_s_delivery_and_cancels_the_rebate(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    # The job did not run on Friday: resolution settles what was owed before it.
    clock.set(paris(2026, 3, 9, 11, 0))
    resolved = by_kind(await _resolve(client, manager, incident["id"], paris(2026, 3, 9, 10, 0)))
    assert resolved["shopping_delivery"]["status"] == "due"
    assert resolved["rent_rebate"]["status"] == "cancelled"
    clock.set(paris(2026, 3, 16, 9, 0))
    await run_job(client)
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(RentRebate)) == 0
