"""`python main.py serve --workers 3` on PostgreSQL: the three processes compete for the
scheduler's advisory lock and exactly one runs the singleton jobs; when that one dies, the
lock passes to one other process, never to two; Ctrl+C stops them all and frees the lock."""

from __future__ import annotations

import os
import signal

import asyncpg
import pytest

from crm.scheduler import SCHEDULER_LOCK_ID
from tests.conftest import PG_URL
from tests.support.workers import RUNS_JOBS, alive, serve_workers

pytestmark = pytest.mark.skipif(not PG_URL, reason="several workers need PostgreSQL")

TAKEOVER_TIMEOUT = 60.0  # the next job tick (every 15 s) or a restarted worker's first one


async def lock_holders(database_url: str) -> int:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0"
            " AND objid::bigint = $1 AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())", SCHEDULER_LOCK_ID))
    finally:
        await conn.close()


async def test_one_worker_of_three_runs_the_scheduled_jobs(db, database_url, tmp_path) -> None:
    with serve_workers(database_url, tmp_path, 3) as served:
        served.wait_serving()
        pids = served.started()
        assert len(pids) == 3
        # Each process ran every job's first tick at its start: one took the lock.
        served.wait_for("a process to take the scheduler lock", lambda: served.matches(RUNS_JOBS))
        [(_, holder)] = served.matches(RUNS_JOBS)
        assert holder in pids.values()
        assert await lock_holders(database_url) == 1

        os.kill(holder, signal.SIGKILL)  # its connection closes: the server releases the lock
        served.wait_for("another process to take the lock over",
                        lambda: len(served.matches(RUNS_JOBS)) == 2, timeout=TAKEOVER_TIMEOUT)
        second = served.matches(RUNS_JOBS)[1][1]
        assert second != holder
        served.wait_serving()
        assert await lock_holders(database_url) == 1
        assert len(served.matches(RUNS_JOBS)) == 2  # nobody else took it meanwhile

        pids = served.started()
        assert served.interrupt() == 0  # Ctrl+C: every process stops, the lock is released
        assert "all workers stopped" in served.output()
        assert not any(alive(pid) for pid in pids.values())
        assert await lock_holders(database_url) == 0
