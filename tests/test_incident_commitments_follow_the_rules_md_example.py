"""RULES.md's example, with a frozen clock across the weekend: a lift stops on Monday 2 March
2026 at 10:00 and stays down; shopping delivery is due on Friday 6 March, the 5 % rebate on
Friday 13 March, for the households on floor 1 and above or whose floor is unknown."""

from __future__ import annotations

from datetime import date

from tests.support.factories import api_user
from tests.support.incidents import building, by_kind, declare, get, paris, run_job


async def test_the_lift_example_gives_friday_6_and_friday_13_march(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))

    commitments = by_kind(incident)
    assert commitments["shopping_delivery"]["due_on"] == "2026-03-06"
    assert commitments["rent_rebate"]["due_on"] == "2026-03-13"
    assert commitments["rent_rebate"]["rebate_percent"] == 5.0
    assert {c["status"] for c in commitments.values()} == {"upcoming"}
    # The ground floor keeps its stairs: floor 1, floor 3 and the unknown floor are concerned.
    concerned = {h["floor"] for h in commitments["shopping_delivery"]["households"]}
    assert concerned == {"1", "3", None}


async def test_shopping_delivery_becomes_due_at_midnight_on_friday(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))

    clock.set(paris(2026, 3, 5, 23, 59))
    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["shopping_delivery"]["status"] == "upcoming"

    clock.set(paris(2026, 3, 6, 0, 0))
    await run_job(client)
    now = by_kind(await get(client, manager, incident["id"]))
    assert now["shopping_delivery"]["status"] == "due"
    assert now["rent_rebate"]["status"] == "upcoming"
    resp = await client.get("/api/v1/commitments", headers=manager)
    [item] = (await resp.json())["items"]
    assert (item["kind"], item["due_on"], item["incident_id"]) == ("shopping_delivery", "2026-03-06", incident["id"])
    assert len(item["households"]) == 3


async def test_the_rebate_is_due_on_friday_13_and_exported_for_march(client, db, clock):
    b = await building(db, rents={"1": 41250, "3": 39900})  # 412,50 € and 399,00 €; unknown floor: no rent
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    incident = await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))

    clock.set(paris(2026, 3, 12, 18, 0))
    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["rent_rebate"]["status"] == "upcoming"
    clock.set(paris(2026, 3, 13, 8, 0))
    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["rent_rebate"]["status"] == "due"

    resp = await client.get("/api/v1/commitments/rent-rebates.csv?month=2026-03", headers=manager)
    assert resp.status == 200
    raw = await resp.read()
    assert raw.startswith("\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "contract_ref;tenant;incident;kind;working_days;rebate_percent;rebate_amount"
    rows = {line.split(";")[0]: line.split(";") for line in lines[1:]}
    assert set(rows) == {b.by_floor("1").contract_ref, b.by_floor("3").contract_ref, b.by_floor(None).contract_ref}
    first = rows[b.by_floor("1").contract_ref]
    assert first[3:] == ["lift", "9", "5", "20,63"]  # 9 working days down, 5 % of 412,50 €
    assert rows[b.by_floor("3").contract_ref][6] == "19,95"
    assert rows[b.by_floor(None).contract_ref][5:] == ["5", ""]  # rent unknown: the percentage only
    empty = await client.get("/api/v1/commitments/rent-rebates.csv?month=2026-04", headers=manager)
    assert len((await empty.read()).decode("utf-8-sig").splitlines()) == 1
    assert date(2026, 3, 13).weekday() == 4
