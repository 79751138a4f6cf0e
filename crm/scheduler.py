"""Periodic jobs. The database is the source of truth; the scheduler only ticks.

APScheduler 3 (AsyncIOScheduler, in-memory job store) runs each job at an interval. Each job
reads what is due from the database and claims it atomically, so a restart loses nothing.
On PostgreSQL only the process holding an advisory lock runs them (the outbox dispatcher is
not a job: every process runs one, see ``crm/campaigns/dispatcher.py``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from crm import hooks
from crm.keys import DB, SETTINGS

log = logging.getLogger(__name__)

JobFn = Callable[[web.Application], Awaitable[int]]
SCHEDULER_LOCK_ID = 0x43524D01  # arbitrary constant: "CRM" + 1


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    fn: JobFn


def jobs() -> list[Job]:
    """Every periodic job of the service. Features list theirs in ``crm.hooks.JOBS``."""
    return [job for feature_jobs in hooks.JOBS.values() for job in feature_jobs]


def _wrap(app: web.Application, job: Job, gate: Callable[[], Awaitable[bool]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        if not await gate():
            return
        try:
            count = await job.fn(app)
            if count:
                log.info("job %s: %s", job.name, count)
        except Exception:
            log.exception("job %s failed", job.name)

    return run


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the scheduler with the app, stop it on shutdown."""
    if not app[SETTINGS].scheduler_enabled:
        yield
        return
    db = app[DB]
    lock_conn = None

    async def holds_lock() -> bool:
        nonlocal lock_conn
        if not db.is_postgres:
            return True  # SQLite: one process by construction
        if lock_conn is not None:
            return True
        conn = await db.engine.connect()
        got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_ID})).scalar()
        if got:
            lock_conn = conn
            log.info("this process runs the scheduled jobs")
            return True
        await conn.close()
        return False

    scheduler = AsyncIOScheduler()
    for job in jobs():
        scheduler.add_job(
            _wrap(app, job, holds_lock), "interval", seconds=job.seconds, id=job.name,
            max_instances=1, coalesce=True, misfire_grace_time=int(job.seconds) or 1,
        )
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        if lock_conn is not None:
            await lock_conn.close()
