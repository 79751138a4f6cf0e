"""Periodic jobs of the courtesy calls: create the tasks of leases entering their window,
expire tasks whose window closed and cancel those of ended leases. Each is idempotent (unique
keys, guarded UPDATEs), so running it twice or in two processes does no harm."""

from __future__ import annotations

from aiohttp import web

from crm import calendar
from crm.calls.tasks import cancel_ended_leases, ensure_call_tasks, expire_tasks
from crm.keys import CLOCK, DB, SETTINGS
from crm.scheduler import Job


async def create_call_tasks(app: web.Application) -> int:
    now = app[CLOCK].now()
    today = calendar.local_today(now, app[SETTINGS].tz)
    async with app[DB].session() as session:
        created = await ensure_call_tasks(session, today=today, now=now)
        await session.commit()
    return created


async def expire_call_tasks(app: web.Application) -> int:
    """Windows closed → expired; leases ended → cancelled."""
    now = app[CLOCK].now()
    today = calendar.local_today(now, app[SETTINGS].tz)
    async with app[DB].session() as session:
        count = await expire_tasks(session, today=today, now=now)
        count += await cancel_ended_leases(session, today=today, now=now)
        await session.commit()
    return count


JOBS = [
    Job("create_call_tasks", 3600, create_call_tasks),
    Job("expire_call_tasks", 3600, expire_call_tasks),
]
