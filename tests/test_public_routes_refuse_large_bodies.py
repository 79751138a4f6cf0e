"""Routes anyone may call (login, webhooks) read at most a few dozen kB: a 100 MB POST to
/login must not be read into memory. Imports, signed in, keep their large limit."""

from __future__ import annotations

import pytest

from crm.web.middlewares import PUBLIC_MAX_BODY
from tests.support.factories import api_user

TOO_BIG = b"x" * (PUBLIC_MAX_BODY + 1)


def _chunked(data: bytes):  # type: ignore[no-untyped-def]
    async def gen():  # type: ignore[no-untyped-def]
        for i in range(0, len(data), 4096):
            yield data[i:i + 4096]
    return gen()


@pytest.mark.parametrize(("path", "content_type"), [
    ("/login", "application/x-www-form-urlencoded"),
    ("/api/v1/auth/login", "application/json"),
    ("/webhooks/twilio/status", "application/x-www-form-urlencoded"),
    ("/webhooks/twilio/sms", "application/x-www-form-urlencoded"),
])
async def test_a_large_body_on_a_public_route_is_413(client, db, path, content_type):
    resp = await client.post(path, data=b"a=" + TOO_BIG, headers={"Content-Type": content_type})
    assert resp.status == 413


@pytest.mark.parametrize("path", ["/login", "/api/v1/auth/login"])
async def test_a_large_chunked_body_without_a_length_is_413_too(client, db, path):
    content_type = "application/json" if path.startswith("/api/") else "application/x-www-form-urlencoded"
    resp = await client.post(path, data=_chunked(b"a=" + TOO_BIG * 4), headers={"Content-Type": content_type})
    assert resp.status == 413


async def test_an_import_larger_than_the_public_limit_is_read(client, db):
    headers = await api_user(client, db, "admin", None)
    csv = b"contrat;nom\n" + b"".join(b"C%06d;Martin\n" % i for i in range(PUBLIC_MAX_BODY // 10))
    assert len(csv) > PUBLIC_MAX_BODY
    resp = await client.post("/api/v1/imports/tenants", data=csv,
                             headers={**headers, "Content-Type": "text/csv"})
    assert resp.status == 422  # read and judged: not the import format, but not "too large"
    assert (await resp.json())["error"]["code"] != "payload_too_large"
