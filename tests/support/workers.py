"""`python main.py serve --workers N` run as an operator would, in a subprocess on a free port,
in a process group of its own (as in a terminal), with its log in a file the test reads: which
workers started (index → pid), which are serving, which one runs the scheduled jobs. The context manager stops it (SIGTERM, then kills what is
left) whatever the test did.

Waiting here is real time (polling real processes), bounded by ``STARTUP_TIMEOUT``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MAIN = ROOT / "main.py"
STARTUP_TIMEOUT = 120.0  # spawning 3 interpreters on a loaded 2-core machine takes a while
POLL = 0.1

STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")
SERVING = re.compile(r"\[worker (\d+) pid (\d+)\] crm\.serve: serving")
RUNS_JOBS = re.compile(r"\[worker (\d+) pid (\d+)\] crm\.scheduler: this process runs the scheduled jobs")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment without CRM_/TWILIO_ settings, on ``database_url``, local SMS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TWILIO_"))}
    env.update({"CRM_DATABASE_URL": database_url, "CRM_SMS_BACKEND": "local",
                "CRM_ACCESS_LOG": "false", "CRM_LOCAL_DELIVERY_SECONDS": "0"})
    env.update(extra)
    return env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its parent) still answers signal 0.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path, port: int) -> None:
        self.proc = proc
        self.log = log
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def matches(self, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
        return [(int(m[1]), int(m[2])) for m in pattern.finditer(self.output())]

    def started(self) -> dict[int, int]:
        """worker index → pid of its latest start."""
        return dict(self.matches(STARTED))

    def serving_pids(self) -> set[int]:
        return {pid for _, pid in self.matches(SERVING)}

    def wait_for(self, what: str, condition: Callable[[], bool],
                 timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited ({self.proc.returncode}) waiting for {what}:\n"
                                     + self.output()[-4000:])
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n" + self.output()[-4000:])
            time.sleep(POLL)  # polling real processes, not waiting for app time

    def wait_serving(self, pids: set[int] | None = None) -> None:
        """Until every current worker (or these pids) says it is serving."""
        self.wait_for("the workers to serve", lambda: (
            pids or set(self.started().values())) <= self.serving_pids() and bool(self.started()))

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def stop(self, timeout: float = 90.0) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def interrupt(self, timeout: float = 90.0) -> int:
        """Ctrl+C in the terminal: SIGINT to the whole process group (parent and workers)."""
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(timeout)


@contextmanager
def serve_workers(database_url: str, workdir: Path, workers: int, **env: str) -> Iterator[Served]:
    port = free_port()
    log = workdir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(MAIN), "serve", "--workers", str(workers)],
            env=cli_env(database_url, CRM_HOST="127.0.0.1", CRM_PORT=str(port), **env),
            cwd=workdir, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # its own process group, as in a terminal
    served = Served(proc, log, port)
    try:
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in served.started().values():  # never leave a worker behind
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
