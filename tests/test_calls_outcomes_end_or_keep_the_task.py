"""Every outcome of API.md: refused ends the task, wrong numbers are marked and end it only
when no number is left, callbacks come first at their time, reached waits for the interview."""

from datetime import date

from sqlalchemy import select

from crm.calls.models import TaskStatus
from crm.models import Phone
from tests.support.calls import attempts_of, new_task, paris, queue_ids, task_of
from tests.support.factories import api_user


async def _post(client, headers, task_id, **body):
    return await client.post(f"/api/v1/calls/{task_id}/attempts", json=body, headers=headers)


async def test_refused_ends_the_task(client, db, clock):
    task = await new_task(db)
    headers = await api_user(client, db)
    resp = await _post(client, headers, task.id, outcome="refused", note="Ne souhaite pas d'entretien")
    body = await resp.json()
    assert body["status"] == TaskStatus.REFUSED and body["next_attempt_at"] is None
    stored = await task_of(db, task.id)
    assert stored.closed_at == clock.now()
    assert (await attempts_of(db, task.id))[0].note == "Ne souhaite pas d'entretien"


async def test_a_wrong_number_is_marked_and_the_other_number_is_tried(client, db):
    task = await new_task(db, mobile="+33612345678", landline="+33254112233")
    headers = await api_user(client, db)
    body = await (await _post(client, headers, task.id, outcome="wrong_number")).json()
    assert body["status"] == TaskStatus.OPEN
    async with db.session() as s:
        valid = {p.e164: p.valid for p in await s.scalars(select(Phone).where(Phone.tenant_id == task.tenant_id))}
    assert valid == {"+33612345678": False, "+33254112233": True}
    resp = await client.get("/api/v1/calls/queue", headers=headers)
    assert (await resp.json())["items"][0]["phone"] == "+33254112233"

    body = await (await _post(client, headers, task.id, outcome="wrong_number")).json()
    assert body["status"] == TaskStatus.WRONG_NUMBER and body["no_phone"] is True
    assert [a.phone_e164 for a in await attempts_of(db, task.id)] == ["+33612345678", "+33254112233"]


async def test_a_callback_needs_a_time_and_is_honoured_first_at_that_time(client, db, clock):
    task = await new_task(db, lease_start=date(2026, 11, 8))
    other = await new_task(db, lease_start=date(2026, 10, 18))  # closes tomorrow: urgent
    headers = await api_user(client, db)
    resp = await _post(client, headers, task.id, outcome="callback_requested")
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "callback_at_required"
    assert await attempts_of(db, task.id) == []

    resp = await _post(client, headers, task.id, outcome="callback_requested",
                       callback_at="2026-11-17T17:15:00+01:00")
    body = await resp.json()
    assert body["status"] == TaskStatus.OPEN
    assert body["callback_at"] == body["next_attempt_at"] == "2026-11-17T16:15:00+00:00"
    clock.set(paris(2026, 11, 17, 17, 0))
    assert await queue_ids(client, headers) == [other.id]
    clock.set(paris(2026, 11, 17, 17, 15))
    assert await queue_ids(client, headers) == [task.id, other.id]


async def test_a_callback_time_without_offset_is_read_as_paris_time(client, db):
    task = await new_task(db)
    headers = await api_user(client, db)
    await _post(client, headers, task.id, outcome="callback_requested", callback_at="2026-11-18T09:30")
    assert (await task_of(db, task.id)).callback_at == paris(2026, 11, 18, 9, 30)


async def test_reached_leaves_the_queue_and_waits_for_the_interview(client, db):
    task = await new_task(db)
    headers = await api_user(client, db)
    body = await (await _post(client, headers, task.id, outcome="reached")).json()
    assert body["status"] == TaskStatus.REACHED
    assert await queue_ids(client, headers) == []
    assert (await task_of(db, task.id)).closed_at is None


async def test_an_unknown_outcome_is_422(client, db):
    task = await new_task(db)
    headers = await api_user(client, db)
    resp = await _post(client, headers, task.id, outcome="maybe")
    assert resp.status == 422
    assert await attempts_of(db, task.id) == []
