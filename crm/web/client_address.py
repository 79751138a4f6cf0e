"""The client's address: the TCP peer, or what a trusted reverse proxy says it saw.

X-Forwarded-For is believed only from the proxies named in ``CRM_TRUSTED_PROXIES``, and
read from the right: each trusted hop vouches for the one before it, and the first address
that is not a trusted proxy is the client. Anyone else can write the header, so without
the setting it is ignored (a stranger could otherwise throttle someone else's address).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from aiohttp import web

from crm.keys import SETTINGS


def _parse(value: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(value.strip())
    except ValueError:
        return None


def client_address(request: web.Request) -> str | None:
    peer = request.remote
    trusted = request.app[SETTINGS].trusted_proxy_networks
    if not trusted or peer is None:
        return peer

    def is_trusted(addr: IPv4Address | IPv6Address | None) -> bool:
        return addr is not None and any(addr in net for net in trusted)

    if not is_trusted(_parse(peer)):
        return peer
    hops = [h for v in request.headers.getall("X-Forwarded-For", []) for h in v.split(",")]
    client = peer
    for hop in reversed(hops):
        addr = _parse(hop)
        if addr is None:
            break  # garbage from beyond the proxies: keep the last address vouched for
        client = str(addr)
        if not is_trusted(addr):
            break
    return client
