"""When the window closes (30 days after move-in) open tasks expire; reached or closed
tasks keep their status."""

from datetime import date

from crm.calls.jobs import expire_call_tasks
from crm.calls.models import TaskStatus
from tests.support.calls import new_task, paris, queue_ids, task_of
from tests.support.factories import api_user


async def test_open_tasks_expire_the_day_after_their_window_ends(app, client, db, clock):
    open_task = await new_task(db, lease_start=date(2026, 10, 20))  # window ends 19/11
    reached = await new_task(db, lease_start=date(2026, 10, 20))
    headers = await api_user(client, db)
    await client.post(f"/api/v1/calls/{reached.id}/attempts", json={"outcome": "reached"}, headers=headers)

    clock.set(paris(2026, 11, 19, 18, 0))
    assert await expire_call_tasks(app) == 0  # still its last day
    assert await queue_ids(client, headers) == [open_task.id]

    clock.set(paris(2026, 11, 20, 1, 0))
    assert await expire_call_tasks(app) == 1
    expired = await task_of(db, open_task.id)
    assert expired.status == TaskStatus.EXPIRED and expired.closed_at == clock.now()
    assert (await task_of(db, reached.id)).status == TaskStatus.REACHED
    assert await expire_call_tasks(app) == 0
