"""The demo's call history is played through the real rules: calls only at calling times on
working days inside the window, at most 4 unanswered calls, interviews with answers."""

import random
from datetime import date, timedelta

from sqlalchemy import select

from crm import calendar
from crm.calls.demo import fill
from crm.calls.models import CallAttempt, CallTask, Interview, Outcome
from tests.support.calls import PARIS
from tests.support.factories import make_lease, make_user


async def test_the_demo_history_respects_windows_hours_and_retries(db, clock):
    await make_user(db, "adviser", "Blois")
    for days_ago in range(5, 70, 2):
        await make_lease(db, lease_start=date(2026, 11, 16) - timedelta(days=days_ago))
    await fill(db, clock, random.Random(3))

    async with db.session() as s:
        tasks = {t.id: t for t in await s.scalars(select(CallTask))}
        attempts = list(await s.scalars(select(CallAttempt).order_by(CallAttempt.at)))
        interviews = list(await s.scalars(select(Interview)))
    assert len(tasks) == 33 and attempts and interviews
    for a in attempts:
        task = tasks[a.task_id]
        assert calendar.is_calling_time(a.at, PARIS)
        assert task.window_start <= a.at.astimezone(PARIS).date() <= task.window_end
        assert a.at <= clock.now()
    for task_id in tasks:
        unanswered = [a for a in attempts if a.task_id == task_id and a.outcome in Outcome.NO_CONTACT]
        assert len(unanswered) <= 4
    assert all(len(i.answers) == 7 for i in interviews)
