"""/healthz answers at once while a writer holds SQLite's write lock (a launch's chunk, the
dispatcher's claims): its ping reads on a connection of its own and never queues for
the lock, neither the process's (``SqliteWriteLock``) nor the file's."""

import sqlite3

import pytest
from sqlalchemy import text

from crm.app import create_app


async def test_healthz_is_ok_while_a_write_transaction_is_open(aiohttp_client, settings, clock, db):
    if not db.is_sqlite:
        pytest.skip("SQLite's write lock")
    client = await aiohttp_client(create_app(settings, clock=clock, db=db))
    path = db.engine.url.database
    other_process = sqlite3.connect(path, isolation_level=None)  # as another process would
    try:
        async with db.session() as session:
            # This process's writer: the app's write lock and the file's RESERVED lock.
            await session.execute(text('UPDATE "user" SET email = email'))
            assert db.write_lock is not None and db.write_lock.held
            resp = await client.get("/healthz")
            assert resp.status == 200
            assert await resp.json() == {"status": "ok", "database": "ok"}
            await session.rollback()
        other_process.execute("BEGIN EXCLUSIVE")  # another process's writer this time
        resp = await client.get("/healthz")
        assert resp.status == 200
        assert (await resp.json())["database"] == "ok"
    finally:
        other_process.close()
