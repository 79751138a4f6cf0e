"""The same interview posted twice at the same moment (double click, two advisers): one is
saved, the other gets 409 — never a 500, never two interviews."""

import asyncio

from sqlalchemy import func, select

from crm.calls.models import Interview
from tests.support.calls import new_task
from tests.support.factories import api_user


async def test_two_simultaneous_interviews_save_one_and_refuse_the_other(client, db):
    headers = await api_user(client, db)
    task = await new_task(db)
    await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "reached"}, headers=headers)
    body = {"answers": {"move_in": 4}, "summary": "Locataire satisfaite de son arrivée.", "follow_ups": []}
    answers = await asyncio.gather(*[
        client.post(f"/api/v1/calls/{task.id}/interview", json=body, headers=headers) for _ in range(3)])
    assert sorted(a.status for a in answers) == [200, 409, 409]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Interview)) == 1
