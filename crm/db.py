"""Database access: one async engine per app, sessions from a factory, UTC timestamps.

Sessions are SQLAlchemy's own ``AsyncSession`` (``execute``/``scalar``/``scalars``); the
SQLModel classes are ordinary mapped tables for it.

SQLite (the embedded default) and PostgreSQL (scale) run the same code; the few places that
differ ask ``Database.is_postgres``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import asyncpg
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_only, greenlet_spawn

from crm.sqlite_batch import SqliteBatchWriter
from crm.sqlite_drivers import on_loop_dbapi, one_trip_dbapi

log = logging.getLogger(__name__)
T = TypeVar("T")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always gives them back aware.

    SQLite has no time zones: without this, values come back naive and comparisons with
    the clock's aware "now" fail.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def sqlite_datetime(value: datetime) -> str:
    """An aware datetime as ``UTCDateTime`` stores it on SQLite (SQLAlchemy's text form,
    UTC, microseconds always written), for statements that bypass its type processing."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 100,000-recipient launch holds the write lock for seconds: wait rather than fail.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# Connections kept open: as many as the requests a busy webhook has in flight (Twilio's
# bursts, a launch beside them). A smaller pool opens and closes "overflow" connections all
# the time: a thread and four PRAGMAs each on SQLite, a TCP connection and authentication on
# PostgreSQL (33 opened during a 600-SMS burst with 10).
POOL_SIZE, MAX_OVERFLOW = 20, 10
ANALYZE_CONNECTIONS = 2  # PostgreSQL: backends analysing an import's tables side by side


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if ":memory:" not in url:  # an in-memory SQLite database has one connection (StaticPool)
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if url.startswith("sqlite"):
        # Each statement in one trip to aiosqlite's thread instead of four.
        engine = create_async_engine(url, connect_args={"timeout": 30}, module=one_trip_dbapi(),
                                     **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    _ping_only_idle_connections(engine)
    return engine


# A connection given back to the pool less than this long ago is not pinged on checkout.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_only_idle_connections(engine: AsyncEngine) -> None:
    """Pre-ping (on PostgreSQL three round trips: BEGIN, ";", ROLLBACK) only connections
    that sat in the pool for PING_AFTER_IDLE_SECONDS: under load every checkout would pay
    it, for a connection that worked a moment ago. One that broke meanwhile fails its
    statement, is invalidated by the error, and the request gets the outage's 503."""
    sync = engine.sync_engine
    returned: dict[int, float] = {}  # id(DBAPI connection) → when it came back to the pool

    def checked_in(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            returned[id(dbapi_connection)] = time.monotonic()

    def forget(dbapi_connection: Any, *_args: Any) -> None:
        returned.pop(id(dbapi_connection), None)

    event.listen(sync.pool, "checkin", checked_in)
    event.listen(sync.pool, "close", forget)
    event.listen(sync.pool, "close_detached", forget)
    event.listen(sync.pool, "invalidate", forget)
    event.listen(sync.pool, "soft_invalidate", forget)
    dialect = sync.dialect  # this engine's own instance
    ping = dialect.do_ping

    def do_ping(dbapi_connection: Any) -> bool:
        back = returned.get(id(dbapi_connection))
        if back is not None and time.monotonic() - back < PING_AFTER_IDLE_SECONDS:
            return True
        return bool(ping(dbapi_connection))

    dialect.do_ping = do_ping  # type: ignore[method-assign]


_WRITES = re.compile(
    r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|ANALYZE|VACUUM)\b"
    r"|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.I | re.S)


def _sqlite_in_transaction(dbapi_connection: Any) -> bool | None:
    """Whether the pysqlite connection behind SQLAlchemy's proxies is in a transaction
    (None when it cannot tell). Read from the event loop while aiosqlite's thread is idle."""
    try:
        adapted = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        return bool(adapted._connection.in_transaction)
    except Exception:  # noqa: BLE001 - closed or unknown: let the driver roll back
        return None


class SqliteWriteLock:
    """SQLite takes one writer at a time: writers of this process queue here, on an
    asyncio lock, instead of polling the file lock with a busy timeout (which let a
    launch's chunks and the dispatcher's claims starve each other, and each waiting
    writer hold a pool connection while sleeping). Reads never take it.

    A connection takes the lock at its first writing statement (pysqlite begins the
    transaction there too) and gives it back once that transaction has ended: after the
    driver's COMMIT or ROLLBACK returned (the dialect's ``do_commit``/``do_rollback``,
    wrapped here: the engine's "commit" event comes before the COMMIT, and a writer let in
    then would meet the file lock), or when the connection is invalidated.

    Deadlocks: a task that holds the lock and opens a second session of its own (nested
    sessions in one request) writes through it without waiting, as before this lock (the
    file lock then decides). A writer that waited ``wait_seconds`` (the busy timeout)
    goes ahead without the lock rather than wait forever, so anything this lock does not
    foresee degrades to SQLite's own behaviour, never to a hang.
    """

    def __init__(self, engine: AsyncEngine, wait_seconds: float = 30.0) -> None:
        self.wait_seconds = wait_seconds
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._holder: Any = None  # the DBAPI connection holding the lock
        self._gave_up: set[int] = set()  # ids of connections writing without it (waited too long)
        self.waiting = 0  # writers queued now
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before_execute)
        event.listen(sync.pool, "invalidate", self._invalidated)
        dialect = sync.dialect  # this engine's own instance
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                # The pool's reset of a connection that committed finds no transaction:
                # no ROLLBACK then (each is a hop to aiosqlite's thread).
                if _sqlite_in_transaction(dbapi_connection) is not False:
                    rollback(dbapi_connection)
            finally:
                self._release(dbapi_connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]  # after the driver's COMMIT
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]  # idem, ROLLBACK

    @property
    def held(self) -> bool:
        return self._lock.locked()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        """Hold the lock around a write made on a driver connection directly (no
        SQLAlchemy statement events there); the same give-up rule as statements."""
        acquired = await self._acquire()
        try:
            yield
        finally:
            if acquired:
                self._lock.release()

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not _WRITES.match(statement):
            return
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is self._holder or id(dbapi_connection) in self._gave_up:
            return
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            return  # a nested session of the holder: waiting would be waiting for ourselves
        if await_only(self._acquire()):
            self._owner, self._holder = task, dbapi_connection
        else:
            self._gave_up.add(id(dbapi_connection))

    async def _acquire(self) -> bool:
        if not self._lock.locked() and not self.waiting:
            await self._lock.acquire()  # free and nobody queued: taken without suspending
            return True
        # asyncio.wait, not wait_for: wait_for may lose an acquired lock on timeout.
        acquiring = asyncio.ensure_future(self._lock.acquire())
        self.waiting += 1
        try:
            done, _ = await asyncio.wait({acquiring}, timeout=self.wait_seconds)
        except BaseException:  # the waiting request was cancelled (client gone)
            if acquiring.done() and not acquiring.cancelled():
                self._lock.release()  # got it just now: nobody would give it back
            else:
                acquiring.cancel()
            raise
        finally:
            self.waiting -= 1
        if not done:
            acquiring.cancel()
            log.warning("SQLite write lock still held after %.0f s: writing without it",
                        self.wait_seconds)
            return False
        return True

    def _release(self, connection: Any) -> None:
        # The dialect is handed the pool's proxy, the pool's events the driver's connection.
        dbapi_connection = getattr(connection, "dbapi_connection", connection)
        self._gave_up.discard(id(dbapi_connection))
        if dbapi_connection is not None and dbapi_connection is self._holder:
            self._owner = self._holder = None
            self._lock.release()

    def _invalidated(self, dbapi_connection: Any, _record: Any, _exc: Any) -> None:
        self._release(dbapi_connection)


PING_TIMEOUT = 5.0  # seconds /healthz waits for PostgreSQL before answering 503
SQLITE_PING_BUSY = 0.1  # seconds a SQLite ping may wait for a lock (a WAL reader never should)


class HealthProbe:
    """The database ping of /healthz, on a driver connection of its own that stays open:
    not SQLAlchemy's pool (a pool of one still checks out, runs its statement through a
    cursor and rolls back on return: five trips to aiosqlite's thread, each waiting for
    the GIL while a launch keeps the loop busy; three round trips on PostgreSQL with the
    pre-ping).

    - PostgreSQL: one ``SELECT 1`` on a raw asyncpg connection (one round trip), with a
      timeout; a failure closes it and tries once on a new one (the server may have
      restarted), the next ping connects again. Concurrent pings share the query in flight.
    - SQLite (a file): ``PRAGMA schema_version`` on a plain ``sqlite3`` connection, run on
      the loop itself: it reads the file's first page (from the OS cache) in microseconds,
      and a WAL reader never waits for the writer, so it never queues behind a launch
      holding the write lock. Should a lock be met all the same (the busy wait is
      ``SQLITE_PING_BUSY``), the file answered: reachable.
    - SQLite in memory (tests): ``SELECT 1`` on the app's engine (its only connection).
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pg: asyncpg.Connection | None = None
        self._sqlite: sqlite3.Connection | None = None
        self._inflight: asyncio.Future[bool] | None = None

    async def ping(self) -> bool:
        db = self.db
        if db.is_postgres:
            if self._inflight is None or self._inflight.done():
                self._inflight = asyncio.ensure_future(self._ping_postgres())
            return await asyncio.shield(self._inflight)
        if db.is_sqlite and db.engine.url.database not in (None, "", ":memory:"):
            return self._ping_sqlite_file(db.engine.url.database)
        return await self._ping_engine()

    async def _ping_postgres(self) -> bool:
        # A connection that served before may have died since (the server restarted): one
        # more try on a fresh one before answering "unreachable", as the pool's pre-ping does.
        tries = 2 if self._pg is not None else 1
        for _ in range(tries):
            try:
                if self._pg is None or self._pg.is_closed():
                    _, params = self.db.engine.dialect.create_connect_args(self.db.engine.url)
                    self._pg = await asyncpg.connect(**params, timeout=PING_TIMEOUT)
                return await self._pg.fetchval("SELECT 1", timeout=PING_TIMEOUT) == 1
            except Exception:  # noqa: BLE001 - any failure means "unreachable" for /healthz
                await self._close_pg()
        return False

    def _ping_sqlite_file(self, path: str) -> bool:
        try:
            if self._sqlite is None:
                # Never created here: a missing file is an outage, not an empty database.
                self._sqlite = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True,
                                               timeout=SQLITE_PING_BUSY, isolation_level=None,
                                               check_same_thread=False)
            self._sqlite.execute("PRAGMA schema_version").fetchall()  # to the end: no read left open
            return True
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True  # the file is there and another connection holds it
            self._close_sqlite()
            return False
        except Exception:  # noqa: BLE001 - any failure means "unreachable" for /healthz
            self._close_sqlite()
            return False

    async def _ping_engine(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "unreachable" for /healthz
            return False

    async def _close_pg(self) -> None:
        conn, self._pg = self._pg, None
        if conn is not None:
            conn.terminate()  # no goodbye to a server that may be gone

    def _close_sqlite(self) -> None:
        conn, self._sqlite = self._sqlite, None
        if conn is not None:
            conn.close()

    async def close(self) -> None:
        if self._inflight is not None and not self._inflight.done():
            await asyncio.wait({self._inflight})
        await self._close_pg()
        self._close_sqlite()


class LoopSqlite:
    """SQLite (a file): connections used on the event loop itself, under the process' write
    lock, for the short writes of an incoming SMS, where the trips to aiosqlite's thread
    (a wake-up of the thread and of the loop each, the GIL handed back and forth) cost more
    than the work: a plain reply is one INSERT of about 50 µs in WAL mode.

    - ``connection()``: a plain ``sqlite3`` connection for precompiled SQL (a plain reply);
    - ``session()``: an ``AsyncSession`` whose engine runs each statement on the loop
      (``crm.sqlite_drivers.on_loop_dbapi``), for an opt-out or a callback request.

    Neither ever waits for the file: their busy timeout is zero, so a database held by
    another process (an import from the command line) raises "database is locked" at once
    and the caller takes its usual path, which waits. They never checkpoint the WAL either
    (an fsync): the pool's connections, which commit all day, do. Callers hold
    ``Database.write_lock``: one user at a time."""

    def __init__(self, url: str, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self.engine = create_async_engine(url, module=on_loop_dbapi(), connect_args={"timeout": 0},
                                          pool_size=1, max_overflow=0)
        event.listen(self.engine.sync_engine, "connect", _never_wait)
        self.sessionmaker = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(f"file:{quote(self.path)}?mode=rw", uri=True, timeout=0)
            _never_wait(conn, None)
            self._conn = conn
        return self._conn

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    def discard(self) -> None:
        """The plain connection failed otherwise than busy: a new one next time."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    async def close(self) -> None:
        self.discard()
        await self.engine.dispose()


def _never_wait(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def sqlite_busy(exc: BaseException) -> bool:
    """SQLite said another connection holds the lock (not: the query is wrong); also
    through SQLAlchemy's wrapper."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and ("locked" in str(orig) or "busy" in str(orig))


class Database:
    """The engine and the session factory of one app."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        # SQLite: writers of this process queue in order (SqliteWriteLock); PostgreSQL
        # has row locks and needs none.
        self.write_lock = SqliteWriteLock(self.engine) if self.is_sqlite else None
        file = self.engine.url.database if self.is_sqlite else None
        self.on_loop = LoopSqlite(url, file) if file not in (None, "", ":memory:") else None
        # Short writes grouped into one transaction on a thread (crm.sqlite_batch).
        self.batch_writer = (SqliteBatchWriter(file, self.write_lock)
                             if self.on_loop is not None and file and self.write_lock is not None
                             else None)
        self.health = HealthProbe(self)  # /healthz's own connection (ping)
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._pool_generation = 0  # how many times dispose() replaced the pool
        if self.is_postgres:
            pool = self.engine.sync_engine.pool  # its listeners carry over to the pools after it
            event.listen(pool, "connect", self._note_pool_generation)
            event.listen(pool, "checkin", self._close_if_orphaned)

    def _note_pool_generation(self, _dbapi_connection: Any, record: Any) -> None:
        record.info["crm_pool_generation"] = self._pool_generation

    def _close_if_orphaned(self, dbapi_connection: Any, record: Any) -> None:
        """A connection checked out while ``dispose()`` ran comes back to the pool that was
        disposed, which nobody will close: closed now, not left to the garbage collector
        (an open socket PostgreSQL keeps, and asyncpg's ResourceWarning whenever it is
        collected)."""
        if dbapi_connection is None or record is None:
            return
        if record.info.get("crm_pool_generation", self._pool_generation) != self._pool_generation:
            dbapi_connection.terminate()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            yield session

    async def short_write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``work(session)``: a few short statements that commit (a webhook's). On a SQLite
        file they run on the event loop itself (``LoopSqlite``), under the write lock; if
        another process holds the file they are run again, from the start, in the app's
        usual session, which waits: ``work`` must be safe to run twice after a rollback.
        Elsewhere, the usual session."""
        if self.on_loop is not None and self.write_lock is not None:
            async with self.write_lock.hold():
                try:
                    async with self.on_loop.session() as session:
                        return await work(session)
                except Exception as exc:
                    if not sqlite_busy(exc):
                        raise
        async with self.session() as session:
            return await work(session)

    @asynccontextmanager
    async def driver_connection(self) -> AsyncIterator[Any]:
        """A pooled connection's driver object (``aiosqlite.Connection`` or asyncpg's
        ``Connection``) for a hot path that runs precompiled SQL itself (the inbox's
        webhook); it goes back to the pool afterwards, and is invalidated when the error
        says the server went away."""
        fairy = await self.engine.raw_connection()
        try:
            yield fairy.driver_connection
        except BaseException as exc:
            if isinstance(exc, Exception) and database_unreachable(exc):
                await greenlet_spawn(fairy.invalidate, exc)
            raise
        finally:
            await greenlet_spawn(fairy.close)

    async def create_all(self, metadata: MetaData) -> None:
        """Create the tables of ``metadata`` (tests pass ``crm.schema.metadata``, which gathers
        every feature's tables: the core does not import the features); production uses
        Alembic."""
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        """Is the database reachable? Answered by ``HealthProbe``: a connection of its own,
        outside the app's pool, so /healthz never queues behind the work."""
        return await self.health.ping()

    async def refresh_statistics(self, tables: Sequence[str] | None = None) -> None:
        """Let the query planner see the tables as they are now (after a big import): the
        ``tables`` named, or all of them.

        Without statistics SQLite picks a scan of every lease for each chunk of a launch
        (78 ms a chunk of 1,000 on 100,000 leases; about 1 ms after ANALYZE)."""
        from sqlalchemy import text

        if tables is not None and self.is_postgres:
            await self._analyze_side_by_side(tables)
            return
        async with self.engine.begin() as conn:
            if tables is None:
                await conn.execute(text("ANALYZE"))
            else:  # SQLite: one table per ANALYZE
                for table in tables:
                    await conn.execute(text(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}"))
            if self.is_sqlite:
                await conn.execute(text("PRAGMA optimize"))

    async def _analyze_side_by_side(self, tables: Sequence[str]) -> None:
        """PostgreSQL: the tables analysed by ``ANALYZE_CONNECTIONS`` connections, each taking
        the next table when it is done. One ANALYZE of ten tables was a tenth of a 20,000-row
        import, run while the import waits for nothing else; the leases are half of it, so a
        second backend takes the other tables meanwhile, and a third would find little left."""
        from sqlalchemy import text

        pending = list(tables)

        async def analyse() -> None:
            async with self.engine.connect() as conn:
                while pending:
                    table = pending.pop(0)
                    await conn.execute(text(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}"))
                    await conn.commit()

        async with asyncio.TaskGroup() as group:  # one failing stops the other
            for _ in range(min(ANALYZE_CONNECTIONS, len(pending))):
                group.create_task(analyse())

    async def dispose(self) -> None:
        if self.batch_writer is not None:
            await self.batch_writer.close()
        if self.on_loop is not None:
            await self.on_loop.close()
        self._pool_generation += 1
        await self.engine.dispose()
        await self.health.close()


def dialect_insert(session: Any) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING/UPDATE on both
    SQLite and PostgreSQL: idempotent writes land on a unique key instead of failing."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


# --- outages ---------------------------------------------------------------------------

# Errors that say "the server cannot be reached or went away", not "the query is wrong".
_UNREACHABLE = (
    OSError,  # refused, reset, timed out
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.ConnectionDoesNotExistError,
    sa_exc.TimeoutError,  # no connection left in the pool: every one is stuck on the outage
)


def database_unreachable(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNREACHABLE):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and "connection" in str(current):
            return True  # "connection is closed"
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return False


class DatabaseOutage:
    """Whether this process currently sees the database as down, logged once each way (the
    web answers 503 meanwhile: one line per outage, not a traceback per request)."""

    def __init__(self) -> None:
        self.since: float | None = None

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.error("database unreachable (%s: %s): until it is back",
                      type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")

    def recovered(self) -> None:
        if self.since is not None:
            log.warning("database reachable again after %.0f s", time.monotonic() - self.since)
            self.since = None
