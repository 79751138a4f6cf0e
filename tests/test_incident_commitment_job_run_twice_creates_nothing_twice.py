"""The commitment job is idempotent: run twice (or by two processes), it writes each
commitment and each rent rebate once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from crm.incidents.models import Commitment, RentRebate
from tests.support.factories import api_user
from tests.support.incidents import building, declare, paris, run_job


async def _counts(db):
    async with db.session() as session:
        return (await session.scalar(select(func.count()).select_from(Commitment)),
                await session.scalar(select(func.count()).select_from(RentRebate)))


async def test_a_second_run_writes_nothing(client, db, clock):
    b = await building(db, rents={"1": 50000})
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    clock.set(paris(2026, 3, 16, 9, 0))
    first = await run_job(client)
    assert first == 2 + 3  # both commitments became due, three rebates written
    assert await _counts(db) == (2, 3)
    assert await run_job(client) == 0
    assert await _counts(db) == (2, 3)


async def test_two_runs_at_once_write_each_rebate_once(client, db, clock):
    b = await building(db, floors=tuple(str(f) for f in range(1, 9)))
    manager = await api_user(client, db, role="manager", agency="Blois")
    clock.set(paris(2026, 3, 2, 10, 5))
    await declare(client, manager, b, starts_at=paris(2026, 3, 2, 10, 0))
    clock.set(paris(2026, 3, 16, 9, 0))
    await asyncio.gather(run_job(client), run_job(client))
    assert await _counts(db) == (2, 8)
