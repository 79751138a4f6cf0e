"""A planned stop needs a referent (name and phone) and 8 days' notice; a shorter notice is
refused with 422 notice_too_short unless a reason is given, which is kept."""

from __future__ import annotations

from datetime import timedelta

from tests.support.factories import api_user
from tests.support.incidents import building, declare, paris

REFERENT = {"name": "Karim Benali", "phone": "02 54 90 12 34"}


async def test_without_a_referent_it_is_refused(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    body = await declare(client, manager, b, planned=True, starts_at=clock.now() + timedelta(days=10),
                         expect=422)
    assert body["error"]["code"] == "referent_required"


async def test_seven_days_ahead_is_notice_too_short(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    body = await declare(client, manager, b, planned=True, referent=REFERENT,
                         starts_at=clock.now() + timedelta(days=7, hours=23), expect=422)
    assert body["error"]["code"] == "notice_too_short"
    assert (await (await client.get("/api/v1/incidents?status=all", headers=manager)).json())["total"] == 0


async def test_a_reason_lets_it_through_and_is_kept(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, planned=True, referent=REFERENT,
                             starts_at=clock.now() + timedelta(days=2),
                             force_short_notice="Pièce de sécurité à changer d'urgence")
    assert incident["status"] == "planned"
    assert incident["short_notice_reason"] == "Pièce de sécurité à changer d'urgence"
    assert incident["referent"] == {"name": "Karim Benali", "phone": "+33254901234"}
    assert any("Pièce de sécurité" in e["title"] for e in incident["timeline"])


async def test_eight_days_ahead_needs_no_reason(client, db, clock):
    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    incident = await declare(client, manager, b, planned=True, referent=REFERENT,
                             starts_at=clock.now() + timedelta(days=8),
                             expected_end_at=(clock.now() + timedelta(days=15)).isoformat())
    assert incident["status"] == "planned" and incident["short_notice_reason"] is None
    assert incident["commitments"] == [] and incident["downtime_hours"] is None
    assert incident["households"] == 4


async def test_the_stop_opens_when_it_starts(client, db, clock):
    from tests.support.incidents import get, run_job

    b = await building(db)
    manager = await api_user(client, db, role="manager", agency="Blois")
    start = paris(2026, 11, 30, 8, 0)
    incident = await declare(client, manager, b, planned=True, referent=REFERENT, starts_at=start)
    clock.set(start - timedelta(minutes=1))
    await run_job(client)
    assert (await get(client, manager, incident["id"]))["status"] == "planned"
    clock.set(start)
    assert await run_job(client) == 1
    opened = await get(client, manager, incident["id"])
    assert opened["status"] == "open" and opened["downtime_hours"] == 0.0
