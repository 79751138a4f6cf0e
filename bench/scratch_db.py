"""A database that lives for one benchmark run: a SQLite file in a temporary folder, or a
PostgreSQL database created on the given server and dropped at the end (even on failure)."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


@asynccontextmanager
async def scratch_database(pg: str | None, name: str) -> AsyncIterator[str]:
    """Yield the SQLAlchemy URL of a fresh database; ``pg`` is a server URL
    (postgresql+asyncpg://user@host:port/) or None for SQLite."""
    if not pg:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    import asyncpg

    base = pg.rstrip("/")
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{base}/{name}"
        finally:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
