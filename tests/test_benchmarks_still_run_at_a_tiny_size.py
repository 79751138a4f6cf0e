"""The benchmarks are not run by CI at full size, so they can rot unseen when the code they
drive changes (one did: ``Database.create_all`` gained an argument). Each one here runs at a
tiny size in a subprocess and must finish and print its ratio; the figures are not checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "commitments": ["bench/commitments.py", "--incidents", "5", "--households", "4"],
    "late_requests": ["bench/late_requests.py", "--requests", "300"],
    "call_queue": ["bench/call_queue.py", "--leases", "300", "--tasks", "40", "--runs", "2"],
    "webhooks": ["bench/webhooks.py", "--n", "60", "--tenants", "60", "--pairs", "1", "--replays", "3"],
}


# They make their own SQLite file: once per CI run is enough (skipped on the PostgreSQL pass).
@pytest.mark.skipif(bool(os.environ.get("CRM_TEST_DATABASE_URL")), reason="runs on the SQLite pass")
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_benchmark_runs_and_prints_a_ratio(name):
    done = subprocess.run([sys.executable, *CASES[name]], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio" in done.stdout or "median" in done.stdout, done.stdout[-2000:]


# `serve --workers 1` vs 2 needs PostgreSQL: run on the PostgreSQL pass, with the Python
# client (wrk may not be installed), on a database of its own that it drops.
@pytest.mark.skipif(not os.environ.get("CRM_TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_the_processes_benchmark_runs_and_prints_its_ratio_and_the_cores_left_idle():
    server = os.environ["CRM_TEST_DATABASE_URL"]
    done = subprocess.run([sys.executable, "bench/webhooks.py", "--processes", "--client", "python",
                           "--n", "40", "--tenants", "40", "--pairs", "1", "--database-url", server],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert "median ratio 2 processes / 1 process" in done.stdout, done.stdout[-2000:]
    if sys.platform == "linux":  # the machine's CPU shares come from /proc/stat
        assert "idle (median)" in done.stdout, done.stdout[-2000:]
        assert "not stolen by the hypervisor" in done.stdout, done.stdout[-2000:]
        # ... and the CPU a request costs each side, from /proc (serving processes, PostgreSQL)
        assert "CPU milliseconds a request" in done.stdout, done.stdout[-2000:]
        assert "1 process: serving processes" in done.stdout, done.stdout[-2000:]
