"""/metrics answers the monitoring only: a client from CRM_METRICS_NETWORKS (loopback by
default) or one with the CRM_METRICS_TOKEN bearer token."""

from __future__ import annotations

from crm.app import create_app
from crm.config import load_settings


async def _client(aiohttp_client, settings, db, clock, **values):  # type: ignore[no-untyped-def]
    s = load_settings(**{**settings.model_dump(), **values})
    return await aiohttp_client(create_app(s, clock=clock, db=db))


async def test_loopback_may_read_the_metrics_by_default(client):
    assert (await client.get("/metrics")).status == 200


async def test_an_address_outside_the_networks_is_refused(aiohttp_client, settings, db, clock):
    client = await _client(aiohttp_client, settings, db, clock, metrics_networks="10.9.0.0/16")
    resp = await client.get("/metrics")
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "metrics_forbidden"


async def test_the_token_opens_the_metrics_from_anywhere(aiohttp_client, settings, db, clock):
    client = await _client(aiohttp_client, settings, db, clock, metrics_networks="",
                           metrics_token="jeton-de-supervision")
    assert (await client.get("/metrics")).status == 403
    wrong = {"Authorization": "Bearer autre-chose"}
    assert (await client.get("/metrics", headers=wrong)).status == 403
    right = {"Authorization": "Bearer jeton-de-supervision"}
    assert (await client.get("/metrics", headers=right)).status == 200


async def test_a_forwarded_address_counts_only_through_a_trusted_proxy(aiohttp_client, settings, db, clock):
    client = await _client(aiohttp_client, settings, db, clock, metrics_networks="10.9.0.0/16",
                           trusted_proxies="127.0.0.1")
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "10.9.1.2"})).status == 200
    assert (await client.get("/metrics", headers={"X-Forwarded-For": "192.0.2.1"})).status == 403
