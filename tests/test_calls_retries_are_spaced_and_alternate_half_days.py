"""Unanswered calls are retried at most 4 times, one working day apart, alternating morning
and afternoon; the retry is not in the queue before its time."""

from datetime import date

from crm.calls.models import TaskStatus
from tests.support.calls import attempts_of, new_task, paris, queue_ids, task_of
from tests.support.factories import api_user


async def _attempt(client, headers, task_id, outcome="no_answer", **extra):
    resp = await client.post(f"/api/v1/calls/{task_id}/attempts", json={"outcome": outcome, **extra}, headers=headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_a_morning_miss_comes_back_the_next_working_day_in_the_afternoon(client, db, clock):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    body = await _attempt(client, headers, task.id)  # Monday 16/11 10:00
    assert body["next_attempt_at"] == "2026-11-17T12:30:00+00:00"  # 13:30 in Paris
    stored = await task_of(db, task.id)
    assert stored.next_attempt_at == paris(2026, 11, 17, 13, 30)
    assert stored.attempts == 1 and stored.last_outcome == "no_answer"

    assert await queue_ids(client, headers) == []  # not again today
    clock.set(paris(2026, 11, 17, 10, 0))
    assert await queue_ids(client, headers) == []  # not on Tuesday morning
    clock.set(paris(2026, 11, 17, 13, 30))
    assert await queue_ids(client, headers) == [task.id]

    await _attempt(client, headers, task.id, "voicemail")  # Tuesday afternoon
    assert (await task_of(db, task.id)).next_attempt_at == paris(2026, 11, 18, 9, 0)


async def test_a_friday_miss_waits_for_monday_and_christmas_is_skipped(client, db, clock):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    clock.set(paris(2026, 11, 20, 15, 0))  # Friday afternoon
    await _attempt(client, headers, task.id, "busy")
    assert (await task_of(db, task.id)).next_attempt_at == paris(2026, 11, 23, 9, 0)

    clock.set(paris(2026, 12, 24, 11, 0))  # Thursday morning before Christmas
    late = await new_task(db, lease_start=date(2026, 12, 10), today=date(2026, 12, 24))
    headers = await api_user(client, db, "adviser", "Blois")  # tokens last 30 days
    await _attempt(client, headers, late.id)
    assert (await task_of(db, late.id)).next_attempt_at == paris(2026, 12, 28, 13, 30)


async def test_the_fourth_unanswered_call_ends_the_task(client, db, clock):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    for outcome in ("no_answer", "voicemail", "busy"):
        body = await _attempt(client, headers, task.id, outcome)
        assert body["status"] == TaskStatus.OPEN
        clock.set((await task_of(db, task.id)).next_attempt_at)
    body = await _attempt(client, headers, task.id)
    assert body["status"] == TaskStatus.EXHAUSTED and body["next_attempt_at"] is None
    assert [a.outcome for a in await attempts_of(db, task.id)] == ["no_answer", "voicemail", "busy", "no_answer"]
    assert await queue_ids(client, headers, date="2026-11-23") == []
