"""While the database is down the service answers 503 with Retry-After (API and pages),
logs one line when the outage starts and one when it ends, and serves again by itself —
against a PostgreSQL server this test stops and starts."""

from __future__ import annotations

import logging

from crm import schema
from crm.app import create_app
from crm.config import load_settings
from crm.db import Database
from tests.support.factories import api_user, make_user, page_login
from tests.support.pg_server import pg_server  # noqa: F401 - fixture


async def test_an_outage_is_a_503_with_retry_after_and_two_log_lines(
        aiohttp_client, settings, clock, pg_server, caplog):  # noqa: F811
    db = Database(pg_server.url)
    await db.create_all(schema.metadata)
    s = load_settings(**{**settings.model_dump(), "database_url": pg_server.url})
    client = await aiohttp_client(create_app(s, clock=clock, db=db))
    headers = await api_user(client, db, "adviser", "Blois")
    await page_login(client, await make_user(db, "adviser", "Blois"))
    assert (await client.get("/api/v1/tenants", headers=headers)).status == 200

    pg_server.stop("immediate")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        for _ in range(10):
            resp = await client.get("/api/v1/tenants", headers=headers)
            assert resp.status == 503
            assert resp.headers["Retry-After"]
            assert (await resp.json())["error"]["code"] == "service_unavailable"
        page = await client.get("/locataires", allow_redirects=False)
        assert page.status == 503 and page.content_type == "text/html"
        assert "indisponible" in await page.text()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage().split(" (")[0] for r in errors] == ["database unreachable"]
    assert not any(r.exc_info for r in caplog.records)  # no traceback

    pg_server.start()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert (await client.get("/api/v1/tenants", headers=headers)).status == 200
        assert (await client.get("/api/v1/tenants", headers=headers)).status == 200
    back = [r.getMessage() for r in caplog.records if "reachable again" in r.getMessage()]
    assert len(back) == 1
