"""Login throttling: the count is reserved before the password is checked (thirty wrong
passwords at once get at most five checks), and accounts and addresses are counted
separately, the address from a trusted proxy only."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from crm.app import create_app
from crm.config import load_settings
from crm.login_throttle import PER_ACCOUNT
from crm.models import AuditEvent
from tests.support.factories import PASSWORD, make_user

LOGIN = "/api/v1/auth/login"


async def _failures(db, **where) -> int:  # type: ignore[no-untyped-def]
    async with db.session() as s:
        conditions = [getattr(AuditEvent, k) == v for k, v in where.items()]
        return await s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "login_failed", *conditions)) or 0


async def test_thirty_wrong_passwords_at_once_get_at_most_five_checks(client, db):
    user = await make_user(db, "adviser", "Blois")
    answers = await asyncio.gather(*(
        client.post(LOGIN, json={"email": user.email, "password": f"faux-{i}"}) for i in range(30)))
    statuses = sorted(r.status for r in answers)
    assert statuses.count(401) == PER_ACCOUNT  # checked, and wrong
    assert statuses.count(429) == 30 - PER_ACCOUNT  # refused before any check
    assert await _failures(db, subject=user.email) == PER_ACCOUNT
    resp = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert resp.status == 429  # the account waits out its window, even with the right password


async def test_a_stranger_failing_on_other_accounts_does_not_lock_out_a_colleague(client, db):
    colleague = await make_user(db, "adviser", "Blois", email="collegue@bailleur.fr")
    for n in range(5):
        for _ in range(PER_ACCOUNT):
            resp = await client.post(LOGIN, json={"email": f"victime{n}@bailleur.fr", "password": "x"})
            assert resp.status == 401
    resp = await client.post(LOGIN, json={"email": colleague.email, "password": PASSWORD})
    assert resp.status == 200


async def test_a_successful_login_clears_its_accounts_failures(client, db):
    user = await make_user(db, "adviser", "Blois")
    for _ in range(PER_ACCOUNT - 1):
        assert (await client.post(LOGIN, json={"email": user.email, "password": "x"})).status == 401
    assert (await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})).status == 200
    for _ in range(PER_ACCOUNT):
        assert (await client.post(LOGIN, json={"email": user.email, "password": "x"})).status == 401


async def test_the_address_behind_a_trusted_proxy_is_the_forwarded_one(aiohttp_client, settings, db, clock):
    trusting = load_settings(**{**settings.model_dump(), "trusted_proxies": "127.0.0.1"})
    client = await aiohttp_client(create_app(trusting, clock=clock, db=db))
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert (await client.post(LOGIN, json={"email": "a@b.fr", "password": "x"}, headers=headers)).status == 401
    assert await _failures(db, ip="203.0.113.7") == 1


async def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(client, db):
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert (await client.post(LOGIN, json={"email": "a@b.fr", "password": "x"}, headers=headers)).status == 401
    assert await _failures(db, ip="203.0.113.7") == 0
    assert await _failures(db, ip="127.0.0.1") == 1
