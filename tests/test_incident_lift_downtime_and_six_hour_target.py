"""Every resolved incident gives its downtime in hours; lift breakdowns say whether the lift
was back within 6 hours; the list shows the running downtime of open incidents."""

from __future__ import annotations

from tests.support.factories import api_user
from tests.support.incidents import building, declare, paris


async def _resolve(client, headers, incident_id, at):
    resp = await client.post(f"/api/v1/incidents/{incident_id}/resolve",
                             json={"resolved_at": at.isoformat()}, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_lift_back_after_5_hours_30_is_within_target(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 16, 0))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 8, 0))
    assert incident["downtime_hours"] == 8.0 and incident["within_target"] is None
    resolved = await _resolve(client, manager, incident["id"], paris(2026, 3, 2, 13, 30))
    assert resolved["downtime_hours"] == 5.5
    assert resolved["within_target"] is True


async def test_a_lift_back_after_6_hours_and_a_minute_misses_it(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 18, 0))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 8, 0))
    resolved = await _resolve(client, manager, incident["id"], paris(2026, 3, 2, 14, 1))
    assert resolved["within_target"] is False and resolved["downtime_hours"] == 6.0


async def test_other_kinds_have_a_downtime_but_no_target(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 18, 0))
    incident = await declare(client, manager, b, kind="water", starts_at=paris(2026, 3, 2, 8, 0))
    resolved = await _resolve(client, manager, incident["id"], paris(2026, 3, 2, 10, 15))
    assert resolved["downtime_hours"] == 2.2 and resolved["within_target"] is None


async def test_the_list_puts_open_incidents_first_with_their_running_downtime(client, db, clock):
    b = await building(db)
    c = await building(db, name="C")
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 18, 0))
    old = await declare(client, manager, b, kind="power", starts_at=paris(2026, 3, 2, 7, 0))
    await _resolve(client, manager, old["id"], paris(2026, 3, 2, 9, 0))
    running = await declare(client, manager, c, starts_at=paris(2026, 3, 2, 12, 0))
    clock.set(paris(2026, 3, 3, 0, 30))
    items = (await (await client.get("/api/v1/incidents?status=all", headers=manager)).json())["items"]
    assert [i["id"] for i in items] == [running["id"], old["id"]]
    assert items[0]["downtime_hours"] == 12.5 and items[0]["status"] == "open"
    assert items[1]["downtime_hours"] == 2.0
    opened = (await (await client.get("/api/v1/incidents", headers=manager)).json())
    assert [i["id"] for i in opened["items"]] == [running["id"]] and opened["total"] == 1
    html = await (await client.get("/incidents", headers=manager)).text()
    assert "12,5 h" in html and "(en cours)" in html
