"""A tenant who texts "rappelez-moi" is put at the top of their agency's queue today: on
their open courtesy task, or on a callback task once the courtesy call is over."""

from datetime import date

from sqlalchemy import select

from crm.calls.models import CallTask, TaskKind, TaskStatus
from crm.calls.tasks import request_callback_from_sms
from tests.support.calls import PARIS, new_task, queue_ids
from tests.support.factories import api_user, make_lease


async def test_an_open_courtesy_task_gets_the_callback_first(client, db, clock):
    urgent = await new_task(db, lease_start=date(2026, 10, 18))
    task = await new_task(db, lease_start=date(2026, 11, 8))
    async with db.session() as s:
        got = await request_callback_from_sms(s, tenant_id=task.tenant_id, at=clock.now(), tz=PARIS)
        await s.commit()
    assert got.id == task.id and got.requested_by_sms
    headers = await api_user(client, db)
    resp = await client.get("/api/v1/calls/queue", headers=headers)
    items = (await resp.json())["items"]
    assert [i["task_id"] for i in items] == [task.id, urgent.id]
    assert items[0]["priority"] == 1 and items[0]["requested_by_sms"] is True


async def test_after_the_courtesy_call_a_callback_task_is_created_then_reused(client, db, clock):
    task = await new_task(db)
    headers = await api_user(client, db)
    await client.post(f"/api/v1/calls/{task.id}/interview", json={"answers": {}}, headers=headers)
    for _ in range(2):
        async with db.session() as s:
            callback = await request_callback_from_sms(s, tenant_id=task.tenant_id, at=clock.now())
            await s.commit()
    async with db.session() as s:
        tasks = list(await s.scalars(select(CallTask).order_by(CallTask.id)))
    assert [(t.kind, t.status) for t in tasks] == [(TaskKind.COURTESY, TaskStatus.COMPLETED),
                                                   (TaskKind.CALLBACK, TaskStatus.OPEN)]
    assert callback.id == tasks[1].id and callback.window_start == date(2026, 11, 16)
    assert await queue_ids(client, headers) == [callback.id]


async def test_a_tenant_without_an_active_lease_gets_no_task(db, clock):
    lease = await make_lease(db, lease_start=date(2020, 1, 1), lease_end=date(2026, 1, 1))
    async with db.session() as s:
        assert await request_callback_from_sms(s, tenant_id=lease.tenant_id, at=clock.now()) is None
        assert list(await s.scalars(select(CallTask))) == []
