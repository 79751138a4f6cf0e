"""Pages and API answers say Cache-Control: no-store (tenants' personal data must not stay
in a shared PC's browser cache or a proxy); static files may be cached."""

from __future__ import annotations

from tests.support.factories import api_user, make_lease


async def test_api_answers_and_pages_are_not_stored(client, db):
    await make_lease(db)
    headers = await api_user(client, db, "adviser", "Blois")
    api = await client.get("/api/v1/tenants", headers=headers)
    assert api.status == 200
    assert api.headers["Cache-Control"] == "no-store"
    error = await client.get("/api/v1/tenants")
    assert error.status == 401 and error.headers["Cache-Control"] == "no-store"
    page = await client.get("/login")
    assert page.headers["Cache-Control"] == "no-store"


async def test_static_files_may_be_cached(client):
    resp = await client.get("/static/style.css")
    assert resp.status == 200
    assert "no-store" not in resp.headers.get("Cache-Control", "")
