"""Several processes on one listening socket: the parent binds it, starts the children, restarts
one that dies, and stops them all on SIGTERM or Ctrl+C.

The parent only supervises (no event loop, no database): the children are fresh interpreters
(``spawn``), each handed the already-listening socket, and the kernel spreads incoming
connections among the processes waiting on it. A child ignores SIGINT (Ctrl+C reaches the
whole process group) and stops gracefully on the SIGTERM its parent sends; a second Ctrl+C or
SIGTERM to the parent kills them at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

log = logging.getLogger(__name__)

BACKLOG = 1024
# Seconds the children get to finish: requests in progress (aiohttp waits up to 60 s for
# them), then the dispatcher's batch in hand (20 s) and the job runs (10 s) — in practice a
# second or two; systemd's default stop timeout is 90 s.
STOP_GRACE = 85.0
QUICK_DEATH = 10.0  # a child dead this soon after its start is restarted after a growing delay
MAX_RESTART_DELAY = 30.0
POLL = 0.5  # seconds between looks at the children while none exits (signals cut it short)


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` and listening, to be shared by the children."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                  flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart does not wait TIME_WAIT
    sock.bind(address)
    sock.listen(BACKLOG)
    return sock


def ignore_interrupt() -> None:
    """In a child: Ctrl+C is the parent's to handle (it sends SIGTERM to each child)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Supervisor:
    """Runs ``target(*args, index)`` in ``count`` child processes until told to stop."""

    def __init__(self, target: Callable[..., Any], args: tuple[Any, ...], count: int) -> None:
        self.target = target
        self.args = args
        self.count = count
        self._ctx = multiprocessing.get_context("spawn")
        self._children: dict[int, BaseProcess] = {}
        self._started: dict[int, float] = {}
        self._quick_deaths: dict[int, int] = {}
        self._restart_at: dict[int, float] = {}
        self._signals = 0

    def _start(self, index: int) -> None:
        child = self._ctx.Process(target=self.target, args=(*self.args, index),
                                  name=f"crm-worker-{index}", daemon=False)
        child.start()
        self._children[index] = child
        self._started[index] = time.monotonic()
        log.info("worker %s started (pid %s)", index, child.pid)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._signals += 1
        if self._signals > 1:  # asked twice: do not wait any longer
            for child in self._children.values():
                if child.is_alive() and child.pid is not None:
                    os.kill(child.pid, signal.SIGKILL)

    def _reap(self) -> None:
        """Notice children that ended and plan their restart."""
        now = time.monotonic()
        for index, child in list(self._children.items()):
            if child.is_alive():
                continue
            child.join()
            del self._children[index]
            lived = now - self._started[index]
            if lived < QUICK_DEATH:
                self._quick_deaths[index] = self._quick_deaths.get(index, 0) + 1
            else:
                self._quick_deaths[index] = 0
            delay = 0.0 if not self._quick_deaths[index] else min(
                MAX_RESTART_DELAY, 2.0 ** (self._quick_deaths[index] - 1))
            log.warning("worker %s (pid %s) exited with code %s after %.0f s; restarting it in %.0f s",
                        index, child.pid, child.exitcode, lived, delay)
            self._restart_at[index] = now + delay

    def run(self) -> int:
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(1, self.count + 1):
                self._start(index)
            while not self._signals:
                sentinels = [c.sentinel for c in self._children.values()]
                timeout = POLL
                if self._restart_at:
                    timeout = max(0.0, min(POLL, min(self._restart_at.values()) - time.monotonic()))
                wait(sentinels, timeout=timeout)
                if self._signals:
                    break
                self._reap()
                now = time.monotonic()
                for index, at in list(self._restart_at.items()):
                    if at <= now:
                        del self._restart_at[index]
                        self._start(index)
            self._stop()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        return 0

    def _stop(self) -> None:
        log.info("stopping %s workers", len(self._children))
        for child in self._children.values():
            if child.is_alive() and child.pid is not None:
                os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for index, child in self._children.items():
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                log.warning("worker %s (pid %s) did not stop in time: killed", index, child.pid)
                child.kill()
                child.join()
        self._children.clear()
        log.info("all workers stopped")
