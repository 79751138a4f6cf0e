"""Working days skip weekends and French public holidays, as for the calls: a lift that stops
on Wednesday 29 April 2026 owes shopping delivery on Wednesday 6 May (1 May is a Friday
off) and the rebate on Friday 15 May (8 May and Ascension Thursday 14 May are off)."""

from __future__ import annotations

from datetime import date

from crm.incidents.rules import due_on
from tests.support.factories import api_user
from tests.support.incidents import building, by_kind, declare, get, paris, run_job


def test_the_thresholds_jump_over_1_may_8_may_and_ascension():
    start = date(2026, 4, 29)
    assert due_on(start, 3) == date(2026, 5, 6)
    assert due_on(start, 8) == date(2026, 5, 15)


def test_alsace_moselle_keeps_good_friday_off():
    # Thursday 2 April 2026: Good Friday (3 April, off in Moselle only), Easter Monday (6 April).
    assert due_on(date(2026, 4, 2), 3) == date(2026, 4, 9)
    assert due_on(date(2026, 4, 2), 3, "57") == date(2026, 4, 10)


async def test_the_job_marks_them_due_on_those_days_only(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 4, 29, 16, 0))
    incident = await declare(client, manager, b, starts_at=paris(2026, 4, 29, 15, 30))
    assert {k: c["due_on"] for k, c in by_kind(incident).items()} == {
        "shopping_delivery": "2026-05-06", "rent_rebate": "2026-05-15"}

    for day, expected in ((5, "upcoming"), (6, "due")):
        clock.set(paris(2026, 5, day, 9, 0))
        await run_job(client)
        assert by_kind(await get(client, manager, incident["id"]))["shopping_delivery"]["status"] == expected
    clock.set(paris(2026, 5, 14, 12, 0))  # Ascension
    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["rent_rebate"]["status"] == "upcoming"
    clock.set(paris(2026, 5, 15, 0, 1))
    await run_job(client)
    assert by_kind(await get(client, manager, incident["id"]))["rent_rebate"]["status"] == "due"
