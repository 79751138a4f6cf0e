"""Group commit for a SQLite file: short writes from many requests, one transaction.

An incoming SMS that needs no action is one INSERT; run alone it also pays a COMMIT (the
WAL frames of the table and its ten indexes written out) and, on the event loop, blocks
every other request meanwhile. ``SqliteBatchWriter`` queues such writes; a thread of its
own runs all those queued in one transaction (``BEGIN IMMEDIATE``, a SAVEPOINT per write,
one COMMIT) while the loop goes on serving, and each caller gets its own result once the
COMMIT holding its write has returned: what the webhook answers Twilio is as durable as
before. The queue grows while a batch runs, so the busier the service, the larger the
batches and the cheaper each write.

A write that fails is rolled back to its savepoint and its caller gets the error; the
others commit. A failed COMMIT (or BEGIN) fails the whole batch. The batch holds the
process' SQLite write lock (``crm.db.SqliteWriteLock``) like any other writer, and its
connection waits for another process' writer (an import from the command line) as the
pool's do, on its thread, not on the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:
    from crm.db import SqliteWriteLock

T = TypeVar("T")

MAX_BATCH = 200  # writes per transaction: bounds how long the lock is held at once
BUSY_TIMEOUT = 30.0  # seconds to wait for another process' writer (the pool's setting)

Work = Callable[[sqlite3.Connection], Any]


class SqliteBatchWriter:
    def __init__(self, path: str, lock: SqliteWriteLock, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        self.path = path
        self.lock = lock
        self.busy_timeout = busy_timeout
        self.batches = 0  # transactions committed (tests, benchmarks)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-batch")
        self._conn: sqlite3.Connection | None = None  # used on the executor's thread only
        self._pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work(conn)`` inside the next batch's transaction, on the writer's thread; it
        must neither commit nor roll back. Returns its result once committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((work, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        # Shielded: a caller that goes away (client gone) does not cancel the batch.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            async with self.lock.hold():
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    outcomes = await loop.run_in_executor(self._executor, self._run_batch,
                                                          [work for work, _ in batch])
                except Exception as exc:  # noqa: BLE001 - every caller of the batch gets it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if not future.done():
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True,
                                   timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            # The pool's connections, which commit all day, checkpoint the WAL.
            conn.execute("PRAGMA wal_autocheckpoint=0")
            self._conn = conn
        return self._conn

    def _run_batch(self, works: list[Work]) -> list[tuple[bool, Any]]:
        """On the writer's thread: every write of the batch, one COMMIT."""
        conn = self._connection()
        outcomes: list[tuple[bool, Any]] = []
        alone = len(works) == 1  # no savepoint needed: its failure is the batch's
        changes = conn.total_changes
        try:
            conn.execute("BEGIN IMMEDIATE")
            for work in works:
                if alone:
                    outcomes.append((True, work(conn)))
                    continue
                conn.execute("SAVEPOINT batch_item")
                try:
                    value = work(conn)
                except Exception as exc:  # noqa: BLE001 - this write's caller gets it
                    conn.execute("ROLLBACK TO batch_item")
                    outcomes.append((False, exc))
                else:
                    outcomes.append((True, value))
                conn.execute("RELEASE batch_item")
            if conn.total_changes == changes:
                conn.execute("ROLLBACK")  # nothing written (replays): nothing to commit
            else:
                conn.execute("COMMIT")
                self.batches += 1
            return outcomes
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise

    async def set_trace(self, callback: Callable[[str], object] | None) -> None:
        """SQLite's trace callback on the writer's connection (tests count statements)."""
        await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: self._connection().set_trace_callback(callback))

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def close(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await asyncio.wait({self._flusher})
        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close_connection)
        self._executor.shutdown(wait=False)
