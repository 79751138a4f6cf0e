"""Two ways for SQLAlchemy's aiosqlite adapter to reach SQLite, passed to an engine as its
DBAPI module (``create_async_engine(..., module=...)``).

``one_trip_dbapi()``: each statement in one trip to aiosqlite's thread (the app's pool).

aiosqlite runs every call on the connection's own thread, and SQLAlchemy's adapter makes
four calls per statement: open a cursor, execute, fetch the rows, close the cursor. Each is
a trip (a future, a queue, a wake-up of the thread, the GIL handed back and forth): a tenth
of a millisecond or more on a busy loop, the largest share of a short request's time (an
incoming SMS, a status callback). Here the thread opens, executes, reads and closes the
``sqlite3`` cursor in one call, and the adapter keeps what it read: the rows, the
description, the row count and the last row id, exactly what it would have asked for next.

Only the plain cursor changes; the server-side cursor (``stream()``), transactions,
errors and the rest of the adapter are SQLAlchemy's.

``on_loop_dbapi()``: no thread at all, each call made on the event loop itself, for the
few short writes where the trips cost more than the work (an opt-out or a callback asked
by SMS: five statements of a few tens of microseconds each). Such an engine must only be
used under the process' SQLite write lock with a zero busy timeout: it never waits for the
file (see ``crm.db.LoopSqlite``). No server-side cursor there.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Ran:
    """What the last statement left on its (closed) ``sqlite3`` cursor: stands where the
    adapter keeps aiosqlite's cursor."""

    __slots__ = ("description", "rowcount", "lastrowid", "arraysize")

    def __init__(self, description: Any = None, rowcount: int = -1, lastrowid: Any = None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1

    def close(self) -> None:
        """Nothing left open: the thread closed the real cursor."""


def _execute(conn: sqlite3.Connection, operation: str, parameters: Any,
             many: bool) -> tuple[_Ran, list[Any] | None]:
    """In aiosqlite's thread: the whole statement, its rows read, its cursor closed."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        # Read after the rows: SQLite counts the rows of a DML … RETURNING as they are read.
        return _Ran(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    # ``close`` is then a plain call on ``_Ran`` (no trip), and no soft close is awaited.
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Ran()  # no trip: the real cursor is opened by each statement

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        async with self._adapt_connection._execute_mutex:
            return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> Any:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        ran, rows = await connection._execute(_execute, connection._conn, operation, parameters, many)
        self._cursor = ran
        if rows is not None:
            self._rows = collections.deque(rows)
        return self


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDbapi:
    return OneTripDbapi(aiosqlite, sqlite3)


class _OnLoop:
    """Stands where SQLAlchemy's adapter expects an ``aiosqlite.Connection`` and runs each
    call at once on the caller's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._tx = self  # the adapter's isolation-level setter queues its call here

    @property
    def _connection(self) -> sqlite3.Connection | None:
        return self._conn

    def put_nowait(self, item: tuple[Any, Any]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:  # noqa: BLE001 - handed to the awaiting adapter
            future.set_exception(exc)

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._live().in_transaction

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    async def commit(self) -> None:
        self._live().commit()

    async def rollback(self) -> None:
        self._live().rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._live().create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class OnLoopDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw.pop("async_creator_fn", None)
        return OneTripConnection(self, _OnLoop(sqlite3.connect(*arg, **kw)))


def on_loop_dbapi() -> OnLoopDbapi:
    return OnLoopDbapi(aiosqlite, sqlite3)
