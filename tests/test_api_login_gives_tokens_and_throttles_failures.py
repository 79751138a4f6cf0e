"""Logging in through the API: tokens, wrong passwords, throttling, logout."""

from sqlalchemy import func, select

from crm.models import AuditEvent
from tests.support.factories import PASSWORD, login, make_user


async def test_login_returns_a_token_that_opens_the_api(client, db):
    user = await make_user(db, "adviser", "Blois")
    resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert resp.status == 200
    body = await resp.json()
    assert body["user"] == {"id": user.id, "email": user.email, "role": "adviser", "agency": user.agency_id}
    resp = await client.get("/api/v1/tenants", headers={"Authorization": f"Bearer {body['token']}"})
    assert resp.status == 200


async def test_wrong_password_is_401_with_a_json_error(client, db):
    user = await make_user(db, "adviser", "Blois")
    resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "faux"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_credentials"


async def test_unknown_email_is_401_too(client, db):
    resp = await client.post("/api/v1/auth/login", json={"email": "nobody@example.fr", "password": "x"})
    assert resp.status == 401


async def test_repeated_failures_are_throttled_then_released_after_the_window(client, db, clock):
    user = await make_user(db, "adviser", "Blois")
    for _ in range(5):
        resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": "faux"})
        assert resp.status == 401
    resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert resp.status == 429
    assert resp.headers["Retry-After"]
    clock.advance(minutes=16)
    resp = await client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert resp.status == 200
    async with db.session() as s:
        failures = await s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert failures == 5


async def test_no_token_is_401_and_a_bad_token_too(client):
    assert (await client.get("/api/v1/tenants")).status == 401
    resp = await client.get("/api/v1/tenants", headers={"Authorization": "Bearer nope"})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthenticated"


async def test_logout_revokes_the_token(client, db):
    headers = await login(client, await make_user(db, "manager", "Blois"))
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status == 200
    assert (await client.get("/api/v1/tenants", headers=headers)).status == 401


async def test_malformed_login_body_is_a_clear_4xx(client):
    resp = await client.post("/api/v1/auth/login", data="pas du json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "invalid_json"
    resp = await client.post("/api/v1/auth/login", json={"email": "x"})
    assert resp.status == 422
