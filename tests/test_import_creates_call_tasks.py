"""New leases in the courtesy-call window get their call task as soon as they are imported;
old and ended leases get none, and re-importing creates no second task."""

from sqlalchemy import select

from crm.calls.models import CallTask
from crm.models import Lease
from crm.tenants.imports import import_tenants
from tests.support.imports import SAMPLE


async def _tasks(db) -> dict[str, bool]:
    async with db.session() as s:
        rows = await s.execute(select(Lease.contract_ref, CallTask.no_phone).join(CallTask, CallTask.lease_id == Lease.id))
        return dict(rows.all())


async def test_new_leases_of_the_sample_get_their_call_task_at_import(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)

    tasks = await _tasks(db)
    assert {"B-2026-00412", "V-2026-00088"} <= set(tasks)
    assert "R-2019-00731" not in tasks  # moved in years ago
    assert "R-2021-00102" not in tasks  # ended lease: no call
    assert tasks["B-2026-00420"] is True  # its only number was malformed: still in sight


async def test_re_importing_creates_no_second_task(db, clock):
    await import_tenants(db, SAMPLE, clock=clock)
    first = await _tasks(db)

    await import_tenants(db, SAMPLE, clock=clock)

    async with db.session() as s:
        count = len((await s.scalars(select(CallTask))).all())
    assert count == len(first) and await _tasks(db) == first
