"""/healthz pings on a connection of its own: it answers at once even when every
connection of the app's pool is taken (a long launch holding SQLite's write lock, requests
queueing behind it)."""

from crm.app import create_app
from crm.db import Database


async def test_healthz_is_ok_while_every_pooled_connection_is_held(aiohttp_client, settings, clock, db):
    # A pool of one that gives up after a second: waiting for it would answer 503.
    small = Database(db.url, pool_size=1, max_overflow=0, pool_timeout=1)
    client = await aiohttp_client(create_app(settings, clock=clock, db=small))
    try:
        async with small.engine.connect() as held:
            assert held is not None
            resp = await client.get("/healthz")
            assert resp.status == 200
            assert (await resp.json())["database"] == "ok"
    finally:
        await small.dispose()
