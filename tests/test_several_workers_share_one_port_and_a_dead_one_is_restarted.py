"""`python main.py serve --workers 2` on PostgreSQL: both processes serve one port; a worker
that dies is started again and the port keeps answering; SIGTERM stops every process cleanly.
A real subprocess tree, as an operator runs it."""

from __future__ import annotations

import os
import signal

import pytest

from tests.conftest import PG_URL
from tests.support.workers import alive, serve_workers

pytestmark = pytest.mark.skipif(not PG_URL, reason="several workers need PostgreSQL")


def test_a_killed_worker_is_restarted_and_sigterm_stops_them_all(db, database_url, tmp_path) -> None:
    with serve_workers(database_url, tmp_path, 2, CRM_SCHEDULER="false") as served:
        served.wait_serving()
        first = served.started()
        assert sorted(first) == [1, 2]
        assert "(2 processes, database: postgresql+asyncpg" in served.output()
        assert all(served.get("/healthz") == 200 for _ in range(10))

        os.kill(first[1], signal.SIGKILL)
        served.wait_for("worker 1 to be started again", lambda: served.started()[1] != first[1])
        restarted = served.started()
        assert restarted[2] == first[2]  # the other one was left alone
        served.wait_serving({restarted[1]})
        assert "worker 1 (pid %d) exited with code -9" % first[1] in served.output()
        assert all(served.get("/healthz") == 200 for _ in range(10))

        assert served.stop() == 0
        assert "all workers stopped" in served.output()
        assert not any(alive(pid) for pid in restarted.values())
        assert "killed" not in served.output()  # they stopped in time, not killed
