"""The singleton jobs' lock: two processes compete for it; when the holder's lock
connection is killed (as a PostgreSQL restart or a network cut does) the other one takes
it, and the first stops running the jobs instead of carrying on beside it. Hourly jobs run
at start, not an hour later."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from crm.scheduler import SCHEDULER_LOCK_ID, SchedulerLock, build_scheduler

ROOT = Path(__file__).resolve().parent.parent


class Contender:
    def __init__(self, url: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.scheduler_lock", url], cwd=ROOT, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self._line() == "ready"

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def tick(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write("tick\n")
        self.proc.stdin.flush()
        return self._line()

    def stop(self) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


_HOLDERS = ("FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0"
            " AND objid::bigint = $1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")


async def _kill_lock_connection(url: str) -> int:
    """pg_terminate_backend on the lock's connection; returns once the server freed it."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        killed = await conn.fetchval(f"SELECT count(pg_terminate_backend(pid)) {_HOLDERS}",
                                     SCHEDULER_LOCK_ID)
        for _ in range(500):  # the backend exits asynchronously: wait for it, bounded
            if not await conn.fetchval(f"SELECT count(*) {_HOLDERS}", SCHEDULER_LOCK_ID):
                break
            await asyncio.sleep(0.01)
    finally:
        await conn.close()
    return killed


async def test_a_process_whose_lock_connection_was_killed_stops_running_the_jobs(db, database_url):
    if not db.is_postgres:
        pytest.skip("the lock is PostgreSQL's; SQLite has one process by construction")
    first, second = Contender(database_url), Contender(database_url)
    try:
        assert first.tick() == "run"
        assert second.tick() == "skip"
        assert await _kill_lock_connection(database_url) == 1
        assert second.tick() == "run"
        assert [first.tick() for _ in range(3)] == ["skip"] * 3  # never both
        assert second.tick() == "run"
    finally:
        first.stop()
        second.stop()


async def test_hourly_jobs_run_at_start_then_on_their_interval(app):
    scheduler = build_scheduler(app, SchedulerLock(_db(app)))
    scheduler.start(paused=True)
    try:
        soon = datetime.now(UTC) + timedelta(seconds=5)
        jobs = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert {"create_call_tasks", "expire_call_tasks", "purge_old_data"} <= jobs.keys()
        assert all(when <= soon for when in jobs.values()), jobs
        intervals = {job.id: job.trigger.interval for job in scheduler.get_jobs()}
        assert intervals["create_call_tasks"] == timedelta(hours=1)
    finally:
        scheduler.shutdown(wait=False)


def _db(app):  # type: ignore[no-untyped-def]
    from crm.keys import DB

    return app[DB]
