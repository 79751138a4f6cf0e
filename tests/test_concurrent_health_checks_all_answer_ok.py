"""Several /healthz at once (a load balancer and a monitoring probe) all answer ok: the
ping's single connection is shared (PostgreSQL: the query in flight is awaited by each,
a connection runs one query at a time) and never opened per request."""

import asyncio

from crm.app import create_app


async def test_twenty_simultaneous_health_checks_are_all_ok(aiohttp_client, settings, clock, db):
    client = await aiohttp_client(create_app(settings, clock=clock, db=db))
    answers = await asyncio.gather(*(client.get("/healthz") for _ in range(20)))
    assert [a.status for a in answers] == [200] * 20
    assert [(await a.json())["database"] for a in answers] == ["ok"] * 20
    again = await client.get("/healthz")  # the connection stays open for the next one
    assert again.status == 200
