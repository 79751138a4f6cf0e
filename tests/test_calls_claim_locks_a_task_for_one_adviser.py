"""Claiming: one adviser holds a task for about 15 minutes; another gets 409 until it
lapses; posting an attempt needs the claim (taken when free) and releases it."""

from datetime import timedelta

from crm.calls.models import TaskStatus
from tests.support.calls import attempts_of, new_task, task_of
from tests.support.factories import api_user, login, make_user


async def test_a_second_adviser_gets_409_while_the_first_holds_the_task(client, db, clock):
    task = await new_task(db)
    alice = await make_user(db, "adviser", "Blois")
    alice_h = await login(client, alice)
    bob_h = await api_user(client, db, "adviser", "Blois")

    resp = await client.post(f"/api/v1/calls/{task.id}/claim", headers=alice_h)
    assert resp.status == 200
    body = await resp.json()
    assert body["claimed_by"] == alice.id
    stored = await task_of(db, task.id)
    assert stored.claim_expires_at == clock.now() + timedelta(minutes=15)

    resp = await client.post(f"/api/v1/calls/{task.id}/claim", headers=bob_h)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "already_claimed"
    resp = await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "no_answer"}, headers=bob_h)
    assert resp.status == 409
    assert await attempts_of(db, task.id) == []

    # Claiming again is fine for the holder; the claim lapses after 15 minutes.
    assert (await client.post(f"/api/v1/calls/{task.id}/claim", headers=alice_h)).status == 200
    clock.advance(minutes=16)
    assert (await client.post(f"/api/v1/calls/{task.id}/claim", headers=bob_h)).status == 200


async def test_an_attempt_auto_claims_a_free_task_and_releases_it(client, db):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "no_answer"}, headers=headers)
    assert resp.status == 200
    body = await resp.json()
    assert body["claimed_by"] is None and body["status"] == TaskStatus.OPEN
    other = await api_user(client, db, "adviser", "Blois")
    assert (await client.post(f"/api/v1/calls/{task.id}/claim", headers=other)).status == 200


async def test_another_agencys_task_is_403_and_an_unknown_one_404(client, db):
    task = await new_task(db, agency="Vendôme")
    headers = await api_user(client, db, "adviser", "Blois")
    assert (await client.post(f"/api/v1/calls/{task.id}/claim", headers=headers)).status == 403
    assert (await client.post("/api/v1/calls/999999/claim", headers=headers)).status == 404


async def test_a_closed_task_cannot_be_claimed(client, db):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "refused"}, headers=headers)
    resp = await client.post(f"/api/v1/calls/{task.id}/claim", headers=headers)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "task_closed"


async def test_two_advisers_claiming_at_the_same_moment_get_one_200_and_one_409(client, db):
    import asyncio

    task = await new_task(db)
    first = await api_user(client, db, "adviser", "Blois")
    second = await api_user(client, db, "adviser", "Blois")
    responses = await asyncio.gather(
        client.post(f"/api/v1/calls/{task.id}/claim", headers=first),
        client.post(f"/api/v1/calls/{task.id}/claim", headers=second),
    )
    assert sorted(r.status for r in responses) == [200, 409]
    winner = (await next(r for r in responses if r.status == 200).json())["claimed_by"]
    assert (await task_of(db, task.id)).claimed_by == winner
