"""Courtesy-call tasks: one per active lease whose window has not closed, created on import
and by the daily job, idempotent, flagged when no number is usable; ended leases get none."""

from datetime import date

from sqlalchemy import func, select

from crm.calls.jobs import create_call_tasks, expire_call_tasks
from crm.calls.models import CallTask, TaskStatus
from crm.calls.tasks import ensure_call_tasks
from crm.models import Lease
from tests.support.calls import new_task
from tests.support.factories import make_lease

TODAY = date(2026, 11, 16)


async def _tasks(db):
    async with db.session() as s:
        rows = (await s.execute(select(CallTask, Lease.contract_ref).join(Lease, Lease.id == CallTask.lease_id))).all()
    return {ref: task for task, ref in rows}


async def test_the_daily_job_creates_tasks_for_open_and_coming_windows_only(app, db):
    await make_lease(db, contract_ref="IN", lease_start=date(2026, 11, 3))  # window 10/11..03/12
    await make_lease(db, contract_ref="SOON", lease_start=date(2026, 11, 14))  # window opens 21/11
    await make_lease(db, contract_ref="LASTDAY", lease_start=date(2026, 10, 17))  # closes today
    await make_lease(db, contract_ref="CLOSED", lease_start=date(2026, 10, 16))  # closed yesterday
    await make_lease(db, contract_ref="OLD", lease_start=date(2020, 1, 1))
    await make_lease(db, contract_ref="ENDED", lease_start=date(2026, 11, 1), lease_end=date(2026, 11, 10))

    assert await create_call_tasks(app) == 3
    tasks = await _tasks(db)
    assert set(tasks) == {"IN", "SOON", "LASTDAY"}
    assert (tasks["IN"].window_start, tasks["IN"].window_end) == (date(2026, 11, 10), date(2026, 12, 3))
    assert all(t.status == TaskStatus.OPEN for t in tasks.values())


async def test_running_it_again_creates_nothing_more(app, db):
    await make_lease(db, lease_start=date(2026, 11, 3))
    assert await create_call_tasks(app) == 1
    assert await create_call_tasks(app) == 0
    async with db.session() as s:
        assert await ensure_call_tasks(s, today=TODAY) == 0
        assert await s.scalar(select(func.count()).select_from(CallTask)) == 1


async def test_the_import_helper_only_considers_the_leases_it_is_given(db):
    first = await make_lease(db, lease_start=date(2026, 11, 3))
    await make_lease(db, lease_start=date(2026, 11, 4))
    async with db.session() as s:
        assert await ensure_call_tasks(s, today=TODAY, lease_ids=[first.id]) == 1
        await s.commit()
        assert [t.lease_id for t in await s.scalars(select(CallTask))] == [first.id]


async def test_a_tenant_without_a_usable_number_gets_a_flagged_task(db):
    task = await new_task(db, mobile=None, landline=None)
    assert task.no_phone is True
    assert task.status == TaskStatus.OPEN
    with_phone = await new_task(db, mobile=None, landline="+33254000000")
    assert with_phone.no_phone is False


async def test_a_lease_that_ends_has_its_open_task_cancelled_by_the_daily_job(app, db):
    task = await new_task(db, lease_start=date(2026, 11, 3))
    async with db.session() as s:
        lease = await s.get(Lease, task.lease_id)
        lease.lease_end = date(2026, 11, 12)
        await s.commit()
    assert await expire_call_tasks(app) == 1
    async with db.session() as s:
        task = await s.get(CallTask, task.id)
    assert task.status == TaskStatus.CANCELLED
    assert task.closed_at is not None


async def test_a_re_import_refreshes_the_open_task_number_flag_and_window(db):
    from crm.models import Phone

    task = await new_task(db, mobile=None, lease_start=date(2026, 11, 3))
    assert task.no_phone
    async with db.session() as s:
        s.add(Phone(tenant_id=task.tenant_id, e164="+33611111111", kind="mobile", created_at=task.created_at))
        (await s.get(Lease, task.lease_id)).lease_start = date(2026, 11, 5)
        await s.commit()
        assert await ensure_call_tasks(s, today=TODAY, lease_ids=[task.lease_id]) == 0
        await s.commit()
        task = await s.get(CallTask, task.id)
    assert task.no_phone is False
    assert (task.window_start, task.window_end) == (date(2026, 11, 12), date(2026, 12, 5))
