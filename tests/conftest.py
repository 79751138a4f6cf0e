"""Test fixtures: a real database per test (SQLite file, or PostgreSQL when
CRM_TEST_DATABASE_URL is set), a frozen clock, the app and an HTTP client.

On PostgreSQL each test session creates its own database (so several runs can share one
server) and empties every table between tests.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from crm.app import create_app
from crm.clock import FrozenClock
from crm.config import Settings, load_settings
from crm.db import Database, make_engine

PARIS = ZoneInfo("Europe/Paris")
# Monday 16 November 2026, 10:00 in Paris: a working day, inside calling and sending hours.
DEFAULT_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)

PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test session, with every table created."""
    if not PG_URL:
        yield None
        return
    import asyncpg

    name = f"crm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    base, _, _ = PG_URL.rpartition("/")
    url = f"{base}/{name}"

    async def create() -> None:
        conn = await asyncpg.connect(_plain(PG_URL))
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        db = Database(url)
        await db.create_all()
        await db.dispose()

    async def drop() -> None:
        conn = await asyncpg.connect(_plain(PG_URL))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    asyncio.run(create())
    try:
        yield url
    finally:
        asyncio.run(drop())


@pytest.fixture
def database_url(tmp_path, pg_database) -> str:  # type: ignore[no-untyped-def]
    if pg_database:
        return pg_database
    return f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    if database.is_postgres:
        from crm.schema import metadata

        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        await database.create_all()
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(
        database_url=database_url,
        sms_backend="local",
        scheduler_enabled=False,
        public_url="http://testserver.local",
        twilio_account_sid=None,
        local_delivery_seconds=0,
    )


@pytest.fixture
def app(settings: Settings, db: Database, clock: FrozenClock):  # type: ignore[no-untyped-def]
    return create_app(settings, clock=clock, db=db)


@pytest.fixture
async def client(aiohttp_client, app):  # type: ignore[no-untyped-def]
    return await aiohttp_client(app)


@pytest.fixture
async def engine_for_raw_sql(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()
