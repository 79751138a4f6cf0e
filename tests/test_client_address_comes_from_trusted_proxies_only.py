"""The client address: the TCP peer, unless that peer is a trusted proxy; then the
right-most forwarded address that is not itself a trusted proxy."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from crm.app import create_app
from crm.config import load_settings
from crm.web.client_address import client_address


def _address(settings, db, clock, peer: str, forwarded: str | None, trusted: str) -> str | None:  # type: ignore[no-untyped-def]
    app = create_app(load_settings(**{**settings.model_dump(), "trusted_proxies": trusted}),
                     clock=clock, db=db)
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client_address(make_mocked_request("POST", "/login", headers=headers, app=app).clone(remote=peer))


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "expected"), [
    ("198.51.100.9", "203.0.113.7", "", "198.51.100.9"),  # no trusted proxy: the peer
    ("198.51.100.9", "203.0.113.7", "10.0.0.0/8", "198.51.100.9"),  # an untrusted peer
    ("10.0.0.2", "203.0.113.7", "10.0.0.0/8", "203.0.113.7"),
    ("10.0.0.2", "1.2.3.4, 203.0.113.7", "10.0.0.0/8", "203.0.113.7"),  # the left is forgeable
    ("10.0.0.2", "203.0.113.7, 10.0.0.5", "10.0.0.0/8", "203.0.113.7"),  # two proxies
    ("10.0.0.2", "not-an-ip", "10.0.0.0/8", "10.0.0.2"),
    ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
])
async def test_the_client_address(settings, db, clock, peer, forwarded, trusted, expected):
    assert _address(settings, db, clock, peer, forwarded, trusted) == expected
