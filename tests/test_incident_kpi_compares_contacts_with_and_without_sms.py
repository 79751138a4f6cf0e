"""Advisers log "a tenant called / came about this" in one click; the KPI compares contacts per
100 households for incidents with and without an SMS, with downtime by kind, the lifts'
6-hour share and the commitments owed, on a hand-built set of incidents."""

from __future__ import annotations

from sqlalchemy import update

from crm.campaigns.models import OutboxMessage
from tests.support.factories import api_user
from tests.support.incidents import building, declare, paris, run_job


async def _resolve(client, headers, incident_id, at):
    resp = await client.post(f"/api/v1/incidents/{incident_id}/resolve", json={"resolved_at": at.isoformat()},
                             headers=headers)
    assert resp.status == 200, await resp.text()


async def test_contacts_per_100_households_with_and_without_sms(client, db, clock):
    texted = await building(db, name="B")  # 4 households, told by SMS
    silent = await building(db, name="C", floors=("2", "4"))  # 2 households, no SMS
    manager = await api_user(client, db, role="manager", agency="Blois")
    adviser = await api_user(client, db, role="adviser", agency="Blois")
    clock.set(paris(2026, 3, 2, 20, 0))
    a = await declare(client, manager, texted, starts_at=paris(2026, 3, 2, 8, 0))
    b = await declare(client, manager, silent, starts_at=paris(2026, 3, 2, 9, 0))
    c = await declare(client, manager, silent, kind="water", starts_at=paris(2026, 3, 2, 10, 0))
    campaign = (await (await client.post(f"/api/v1/incidents/{a['id']}/notify", json={},
                                         headers=manager)).json())["campaign_id"]
    async with db.session() as session:  # handed to the provider, as the dispatcher does
        await session.execute(update(OutboxMessage).where(OutboxMessage.campaign_id == campaign)
                              .values(status="delivered", sent_at=clock.now()))
        await session.commit()

    resp = await client.post(f"/api/v1/incidents/{a['id']}/reports",
                             json={"channel": "phone", "tenant_id": texted.homes[1].tenant_id,
                                   "note": "Quand revient-il ?"}, headers=adviser)
    report = await resp.json()
    assert resp.status == 201, report
    assert (report["channel"], report["tenant_id"], report["note"]) == ("phone", texted.homes[1].tenant_id,
                                                                         "Quand revient-il ?")
    for channel in ("phone", "visit", "phone"):
        r = await client.post(f"/api/v1/incidents/{b['id']}/reports", json={"channel": channel}, headers=adviser)
        assert r.status == 201
    await _resolve(client, manager, a["id"], paris(2026, 3, 2, 13, 0))  # 5 h: within target
    await _resolve(client, manager, b["id"], paris(2026, 3, 2, 19, 0))  # 10 h: missed
    await _resolve(client, manager, c["id"], paris(2026, 3, 2, 12, 0))  # 2 h

    resp = await client.get("/api/v1/kpi/incidents?from=2026-03-01&to=2026-03-31", headers=manager)
    k = await resp.json()
    assert resp.status == 200, k
    assert k["incidents"] == 3
    assert {r["kind"]: (r["count"], r["median_downtime_hours"]) for r in k["by_kind"]} == {
        "lift": (2, 7.5), "water": (1, 2.0)}
    assert k["lift_breakdowns"] == {"resolved": 2, "within_6h": 1, "within_6h_rate": 0.5}
    assert k["households_informed"] == 4
    reports = k["reports"]
    assert (reports["with_sms"], reports["without_sms"]) == (1, 3)
    assert reports["per_100_households_with_sms"] == 25.0  # 1 contact for 4 households
    assert reports["per_100_households_without_sms"] == 75.0  # 3 contacts for 2 + 2 households
    assert k["commitments"] == {"shopping_delivery": 0, "heaters": 0, "rent_rebate": 0}

    page = await (await client.get("/indicateurs/incidents?from=2026-03-01&to=2026-03-31", headers=manager)).text()
    assert "<svg" in page and "Durée médiane d'interruption par type" in page
    assert "50 % en moins de 6 h (1 / 2)" in page
    outside = await (await client.get("/api/v1/kpi/incidents?from=2026-04-01&to=2026-04-30", headers=manager)).json()
    assert outside["incidents"] == 0 and outside["reports"]["per_100_households_with_sms"] is None


async def test_commitments_owed_count_in_the_kpi(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    await declare(client, manager, b, kind="heating", starts_at=paris(2026, 3, 2, 10, 0))
    clock.set(paris(2026, 3, 16, 9, 0))
    await run_job(client)
    k = await (await client.get("/api/v1/kpi/incidents?from=2026-03-01&to=2026-03-31", headers=manager)).json()
    assert k["commitments"] == {"shopping_delivery": 0, "heaters": 1, "rent_rebate": 1}


async def test_a_report_about_someone_else_s_tenant_is_refused(client, db, clock):
    b = await building(db)
    other = await building(db, agency="Vendôme", residence="Les Rottes")
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, starts_at=clock.now())
    resp = await client.post(f"/api/v1/incidents/{incident['id']}/reports",
                             json={"channel": "visit", "tenant_id": other.homes[0].tenant_id}, headers=manager)
    assert resp.status == 404
    assert (await (await client.get(f"/api/v1/incidents/{incident['id']}", headers=manager)).json())["reports"] == 0
