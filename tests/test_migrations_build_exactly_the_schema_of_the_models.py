"""The Alembic migrations build exactly the schema of the models, on SQLite and (when
CRM_TEST_DATABASE_URL is set) on PostgreSQL, starting from an empty database."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from crm.db import make_engine
from crm.migrate import alembic_config, upgrade_async
from crm.schema import metadata

PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")


@pytest.fixture
async def empty_database_url(tmp_path) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """A brand-new empty database of our own (never the suite's shared one)."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
        return
    import asyncpg

    plain = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
    name = f"crm_migrations_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(plain)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield f"{PG_URL.rpartition('/')[0]}/{name}"
    finally:
        conn = await asyncpg.connect(plain)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def _differences(connection: Any) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


async def _inspect(url: str) -> tuple[list[Any], set[str], str | None]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_differences)
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
    return diff, tables, version


async def test_the_migrations_create_every_table_of_the_models_and_nothing_else(empty_database_url):
    await upgrade_async(empty_database_url)
    diff, tables, version = await _inspect(empty_database_url)
    assert diff == [], "migrations and models differ; run `.venv/bin/alembic revision --autogenerate`"
    assert set(metadata.tables) <= tables
    head = ScriptDirectory.from_config(alembic_config(empty_database_url)).get_current_head()
    assert head is not None, "no migration in crm/migrations/versions"
    assert version == head


async def test_upgrading_an_up_to_date_database_changes_nothing(empty_database_url):
    await upgrade_async(empty_database_url)
    await upgrade_async(empty_database_url)
    diff, _, version = await _inspect(empty_database_url)
    assert diff == []
    assert version == ScriptDirectory.from_config(alembic_config(empty_database_url)).get_current_head()
