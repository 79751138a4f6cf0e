"""Two "rappelez-moi" texts from one tenant at the same moment: one callback task, no error
(an error would roll back, and lose, the incoming SMS stored in the same transaction)."""

import asyncio
from datetime import date

from sqlalchemy import func, select

from crm.calls.models import CallTask, TaskKind
from crm.calls.tasks import request_callback_from_sms
from tests.support.factories import make_lease


async def test_concurrent_callback_requests_make_one_task_and_both_succeed(db, clock):
    # An old lease: no open courtesy task, so each request wants to create a callback task.
    lease = await make_lease(db, lease_start=date(2024, 3, 1))

    async def request() -> int:
        async with db.session() as session:
            task = await request_callback_from_sms(session, tenant_id=lease.tenant_id, at=clock.now())
            await session.commit()
            return task.id

    first, second = await asyncio.gather(request(), request())
    assert first == second
    async with db.session() as session:
        count = await session.scalar(select(func.count()).select_from(CallTask)
                                     .where(CallTask.lease_id == lease.id, CallTask.kind == TaskKind.CALLBACK))
    assert count == 1
