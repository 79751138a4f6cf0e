"""Periodic jobs. The database is the source of truth; the scheduler only ticks.

APScheduler 3 (AsyncIOScheduler, in-memory job store) runs each job at an interval. Each job
reads what is due from the database and claims it atomically, so a restart loses nothing.
On PostgreSQL only the process holding an advisory lock runs them, and it checks that it still
holds it before each run (the outbox dispatcher is not a job: every process runs one, see
``crm/campaigns/dispatcher.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from crm import hooks
from crm.db import Database, database_unreachable
from crm.keys import DB, SETTINGS

log = logging.getLogger(__name__)
# APScheduler logs every run ("Running job", "executed successfully") at INFO: twice per job
# every 30 s. Its warnings (missed runs) still show; our own lines say what a job did.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

JobFn = Callable[[web.Application], Awaitable[int]]
SCHEDULER_LOCK_ID = 0x43524D01  # arbitrary constant: "CRM" + 1
JOB_SHUTDOWN_GRACE = 10.0  # seconds a stopping process waits for the job runs in progress


@dataclass(frozen=True)
class Job:
    name: str
    seconds: float
    fn: JobFn


def jobs() -> list[Job]:
    """Every periodic job of the service. Features list theirs in ``crm.hooks.JOBS``."""
    return [job for feature_jobs in hooks.JOBS.values() for job in feature_jobs]


def _wrap(app: web.Application, job: Job, gate: Callable[[], Awaitable[bool]],
          running: set[asyncio.Task[Any]]) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)  # so that a shutdown waits for it before closing the database
        try:
            if not await gate():
                return
            count = await job.fn(app)
            # Every 30 s a job finds nothing to do: say so only at debug level.
            if count:
                log.info("job %s: %s done", job.name, count)
            else:
                log.debug("job %s: nothing to do", job.name)
        except Exception as exc:
            if database_unreachable(exc):
                log.warning("job %s skipped: database unreachable", job.name)
            else:
                log.exception("job %s failed", job.name)
        finally:
            running.discard(task)

    return run


# Is the lock still ours? Asked on the lock's own connection: a killed connection (or a
# server restart) released it on the server, and another process may hold it by now.
_STILL_HELD = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid = 0 AND objid::bigint = :k)"
)


class SchedulerLock:
    """The singleton jobs' PostgreSQL advisory lock, re-checked before every run.

    ``held()`` is True while this process holds it; when its connection is found dead the
    process stops running the jobs and tries to take the lock again like any other process
    (after a PostgreSQL restart, whoever asks first). SQLite: one process, always held.
    """

    def __init__(self, db: Database, key: int = SCHEDULER_LOCK_ID) -> None:
        self.db = db
        self.key = key
        self._conn: AsyncConnection | None = None

    async def held(self) -> bool:
        if not self.db.is_postgres:
            return True
        if self._conn is not None:
            try:
                still = (await self._conn.execute(_STILL_HELD, {"k": self.key})).scalar()
                await self._conn.commit()  # never left "idle in transaction" between runs
                if still:
                    return True
            except Exception:  # noqa: BLE001 - a dead connection holds no lock
                pass
            log.warning("lost the scheduler lock: this process stops running the scheduled jobs")
            await self.release()
        return await self._try_acquire()

    async def _try_acquire(self) -> bool:
        try:
            conn = await self.db.engine.connect()
        except Exception:  # noqa: BLE001 - database unreachable: nobody runs the jobs now
            return False
        try:
            got = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})).scalar()
            await conn.commit()  # the lock is the session's; no transaction left open on it
        except Exception:  # noqa: BLE001
            got = False
        if got:
            self._conn = conn
            log.info("this process runs the scheduled jobs")
            return True
        await _close(conn)
        return False

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await _close(conn)


async def _close(conn: AsyncConnection) -> None:
    try:
        await conn.invalidate()  # never back to the pool: it may hold the lock or be dead
    except Exception:  # noqa: BLE001
        pass
    try:
        await conn.close()
    except Exception:  # noqa: BLE001
        pass


def build_scheduler(app: web.Application, lock: SchedulerLock,
                    running: set[asyncio.Task[Any]] | None = None) -> AsyncIOScheduler:
    """Every job on its interval, each first run right at start: an hourly job (call tasks,
    expiry, purge) must not wait an hour after every restart. ``running`` collects the job
    runs in progress."""
    running = set() if running is None else running
    scheduler = AsyncIOScheduler()
    start = datetime.now(UTC)  # APScheduler ticks on the wall clock, not the app's clock
    for job in jobs():
        scheduler.add_job(
            _wrap(app, job, lock.held, running), "interval", seconds=job.seconds, id=job.name,
            name=job.name, max_instances=1, coalesce=True, misfire_grace_time=int(job.seconds) or 1,
            next_run_time=start,
        )
    return scheduler


async def scheduler_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the scheduler with the app, stop it on shutdown."""
    if not app[SETTINGS].scheduler_enabled:
        yield
        return
    lock = SchedulerLock(app[DB])
    running: set[asyncio.Task[Any]] = set()
    scheduler = build_scheduler(app, lock, running)
    scheduler.start()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        # Jobs run at start: a quick stop may find some in progress. Let them finish (they
        # claim atomically, so cancelling is safe too) before the database is closed.
        if running:
            _, late = await asyncio.wait(list(running), timeout=JOB_SHUTDOWN_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await lock.release()
