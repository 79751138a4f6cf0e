"""/healthz follows the database: 503 "unreachable" while the PostgreSQL server is down
(within the ping's timeout, not after the pool's), ok again once it is back — its own
connection, lost with the server, is opened again, at once when the server restarted
between two checks (no false alarm)."""

from __future__ import annotations

from crm import schema
from crm.app import create_app
from crm.config import load_settings
from crm.db import Database
from tests.support.pg_server import pg_server  # noqa: F401 - fixture


async def test_healthz_is_503_while_the_server_is_stopped_then_200(
        aiohttp_client, settings, clock, pg_server):  # noqa: F811
    db = Database(pg_server.url)
    await db.create_all(schema.metadata)
    s = load_settings(**{**settings.model_dump(), "database_url": pg_server.url})
    client = await aiohttp_client(create_app(s, clock=clock, db=db))
    try:
        assert (await client.get("/healthz")).status == 200

        pg_server.stop("immediate")
        for _ in range(3):
            resp = await client.get("/healthz")
            assert resp.status == 503
            assert await resp.json() == {"status": "degraded", "database": "unreachable"}

        pg_server.start()
        resp = await client.get("/healthz")
        assert resp.status == 200
        assert (await resp.json())["database"] == "ok"
    finally:
        await db.dispose()


async def test_healthz_is_ok_at_once_after_a_restart_between_two_checks(
        aiohttp_client, settings, clock, pg_server):  # noqa: F811
    db = Database(pg_server.url)
    await db.create_all(schema.metadata)
    s = load_settings(**{**settings.model_dump(), "database_url": pg_server.url})
    client = await aiohttp_client(create_app(s, clock=clock, db=db))
    try:
        assert (await client.get("/healthz")).status == 200
        pg_server.stop("immediate")  # its connection dies with the server...
        pg_server.start()
        resp = await client.get("/healthz")  # ...and a new one answers, no false alarm
        assert resp.status == 200
        assert (await resp.json())["database"] == "ok"
    finally:
        await db.dispose()
