"""The day's queue of an agency: callbacks due first, then fewest days left in the window,
then fewest attempts; tenants without a usable number last but in sight; scoped."""

from datetime import date

from crm.calls.models import CallTask
from tests.support.calls import new_task, paris, queue_ids
from tests.support.factories import api_user


async def _set(db, task_id, **values):
    async with db.session() as s:
        task = await s.get(CallTask, task_id)
        for k, v in values.items():
            setattr(task, k, v)
        await s.commit()


async def test_callbacks_then_days_left_then_attempts(client, db):
    headers = await api_user(client, db, "adviser", "Blois")
    relaxed = await new_task(db, lease_start=date(2026, 11, 8))  # closes 08/12
    urgent = await new_task(db, lease_start=date(2026, 10, 18))  # closes 17/11
    tried = await new_task(db, lease_start=date(2026, 11, 8))
    await _set(db, tried.id, attempts=2)
    callback = await new_task(db, lease_start=date(2026, 11, 9))
    await _set(db, callback.id, callback_at=paris(2026, 11, 16, 9, 30), next_attempt_at=paris(2026, 11, 16, 9, 30))
    no_phone = await new_task(db, lease_start=date(2026, 10, 18), mobile=None)

    resp = await client.get("/api/v1/calls/queue", headers=headers)
    body = await resp.json()
    assert [i["task_id"] for i in body["items"]] == [callback.id, urgent.id, relaxed.id, tried.id, no_phone.id]
    assert [i["priority"] for i in body["items"]] == [1, 2, 3, 3, 4]
    assert body["total"] == 5 and body["page"] == 1
    first = body["items"][0]
    assert set(first) >= {"task_id", "tenant_id", "tenant_name", "phone", "lease_start", "window_end",
                          "attempts", "last_outcome", "callback_at", "priority"}
    assert first["phone"] == "+33612345678"
    assert body["items"][-1]["phone"] is None


async def test_a_callback_later_today_waits_for_its_time(client, db, clock):
    headers = await api_user(client, db, "adviser", "Blois")
    task = await new_task(db)
    await _set(db, task.id, callback_at=paris(2026, 11, 16, 15, 0), next_attempt_at=paris(2026, 11, 16, 15, 0))
    assert await queue_ids(client, headers) == []
    clock.set(paris(2026, 11, 16, 15, 0))
    assert await queue_ids(client, headers) == [task.id]


async def test_tasks_outside_their_window_are_not_in_the_queue(client, db):
    headers = await api_user(client, db, "adviser", "Blois")
    await new_task(db, lease_start=date(2026, 11, 12))  # window opens 19/11
    assert await queue_ids(client, headers) == []
    assert len(await queue_ids(client, headers, date="2026-11-19")) == 1


async def test_an_adviser_sees_only_their_agency_and_an_admin_chooses(client, db):
    blois = await new_task(db, agency="Blois")
    vendome = await new_task(db, agency="Vendôme")
    adviser = await api_user(client, db, "adviser", "Blois")
    assert await queue_ids(client, adviser) == [blois.id]
    resp = await client.get("/api/v1/calls/queue", params={"agency": vendome.agency_id}, headers=adviser)
    assert resp.status == 403
    admin = await api_user(client, db, "admin", None)
    assert sorted(await queue_ids(client, admin)) == sorted([blois.id, vendome.id])
    assert await queue_ids(client, admin, agency=vendome.agency_id) == [vendome.id]
