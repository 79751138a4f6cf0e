"""Helpers for the courtesy-call tests: tasks built through the real code, Paris times,
page logins with a session cookie and its CSRF token."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.calls.models import CallAttempt, CallTask, TaskKind
from crm.calls.tasks import ensure_call_tasks
from crm.db import Database
from crm.models import User
from tests.support.factories import PASSWORD, make_lease

PARIS = ZoneInfo("Europe/Paris")


def paris(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=PARIS)


async def new_task(db: Database, *, today: date = date(2026, 11, 16), **lease: Any) -> CallTask:
    """A lease (factories.make_lease) and its courtesy-call task, as the import creates it."""
    created = await make_lease(db, **lease)
    async with db.session() as session:
        await ensure_call_tasks(session, today=today, lease_ids=[created.id])
        await session.commit()
        task = await session.scalar(select(CallTask).where(CallTask.lease_id == created.id,
                                                           CallTask.kind == TaskKind.COURTESY))
    assert task is not None, "the lease got no task"
    return task


async def task_of(db: Database, task_id: int) -> CallTask:
    async with db.session() as session:
        task = await session.get(CallTask, task_id)
        assert task is not None
        return task


async def attempts_of(db: Database, task_id: int) -> list[CallAttempt]:
    async with db.session() as session:
        return list(await session.scalars(
            select(CallAttempt).where(CallAttempt.task_id == task_id).order_by(CallAttempt.id)))


async def queue_ids(client: Any, headers: dict[str, str], **params: Any) -> list[int]:
    resp = await client.get("/api/v1/calls/queue", params=params, headers=headers)
    assert resp.status == 200, await resp.text()
    return [item["task_id"] for item in (await resp.json())["items"]]


async def page_login(client: Any, user: User) -> str:
    """Log in through the form (session cookie); returns the CSRF token for page forms."""
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await client.post("/login", data={"email": user.email, "password": PASSWORD,
                                             "login_csrf": token, "next": "/appels"},
                             allow_redirects=False)
    assert resp.status == 302, await resp.text()
    html = await (await client.get("/appels")).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
