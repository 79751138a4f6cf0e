"""Database access: one async engine per app, sessions from a factory, UTC timestamps.

Sessions are SQLAlchemy's own ``AsyncSession`` (``execute``/``scalar``/``scalars``); the
SQLModel classes are ordinary mapped tables for it.

SQLite (the embedded default) and PostgreSQL (scale) run the same code; the few places that
differ ask ``Database.is_postgres``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A 100,000-recipient launch holds the write lock for seconds: wait rather than fail.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class Database:
    """The engine and the session factory of one app."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._health_engine: AsyncEngine | None = None  # /healthz's own connection (ping)
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )

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

    async def create_all(self) -> None:
        """Create every table from the models (tests); production uses Alembic."""
        from crm.schema import metadata

        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> bool:
        """Is the database reachable? On a connection of its own (a pool of one, opened on
        first use): /healthz must not queue behind requests waiting for the app's pool,
        e.g. while a 100,000-recipient launch holds SQLite's write lock."""
        from sqlalchemy import text

        if self._health_engine is None:
            self._health_engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            async with self._health_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "unreachable" for /healthz
            return False

    async def refresh_statistics(self) -> None:
        """Let the query planner see the tables as they are now (after a big import).

        Without statistics SQLite picks a scan of every lease for each chunk of a launch
        (78 ms a chunk of 1,000 on 100,000 leases; about 1 ms after ANALYZE)."""
        from sqlalchemy import text

        async with self.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
            if self.is_sqlite:
                await conn.execute(text("PRAGMA optimize"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._health_engine is not None:
            await self._health_engine.dispose()
            self._health_engine = None


def dialect_insert(session: Any) -> Any:
    """The dialect's INSERT construct, which knows ON CONFLICT DO NOTHING/UPDATE on both
    SQLite and PostgreSQL: idempotent writes land on a unique key instead of failing."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
