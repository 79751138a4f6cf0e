"""TRACE (and any method an address does not take) is a 405 that names the methods in
Allow, on pages, the API and static files alike."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("path", "allowed"), [
    ("/login", {"GET", "POST"}),
    ("/api/v1/tenants", {"GET"}),
    ("/static/style.css", {"GET"}),
])
async def test_trace_is_405_with_allow(client, path, allowed):
    resp = await client.request("TRACE", path)
    assert resp.status == 405
    methods = {m.strip() for m in resp.headers["Allow"].split(",")}
    assert allowed <= methods
    assert "TRACE" not in methods
