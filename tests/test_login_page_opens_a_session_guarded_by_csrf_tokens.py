"""Logging in and out through the pages: the login form's own CSRF token, the session
cookie, French errors, and the CSRF token every logged-in form must post."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from crm.models import AuditEvent, User
from tests.support.factories import PASSWORD, make_user

SESSION = "crm_session"


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name!r} in the page"
    return found.group(1)


async def _login_form(client: Any) -> str:
    resp = await client.get("/login")
    assert resp.status == 200
    return _hidden(await resp.text(), "login_csrf")


async def _log_in(client: Any, user: User, next_url: str = "/") -> Any:
    token = await _login_form(client)
    return await client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "login_csrf": token, "next": next_url},
        allow_redirects=False,
    )


async def _session_cookie(client: Any) -> str | None:
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION and cookie.value:
            return cookie.value
    return None


async def test_the_login_page_shows_a_form_with_its_own_csrf_token(client):
    resp = await client.get("/login")
    html = await resp.text()
    assert resp.status == 200
    assert 'action="/login"' in html and 'name="email"' in html and 'name="password"' in html
    assert "Se connecter" in html
    # The hidden token matches the cookie set with the form.
    assert _hidden(html, "login_csrf") == resp.cookies["crm_login_csrf"].value


async def test_a_correct_login_sets_a_session_cookie_and_opens_the_requested_page(client, db):
    user = await make_user(db, "manager", "Blois")
    resp = await _log_in(client, user, next_url="/locataires")
    assert resp.status == 302
    assert resp.headers["Location"] == "/locataires"
    assert resp.cookies[SESSION]["httponly"]
    page = await client.get("/locataires")
    html = await page.text()
    assert page.status == 200
    assert str(page.url.path) == "/locataires"
    assert user.email in html and "Se déconnecter" in html
    async with db.session() as s:
        actions = (await s.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id))).all()
    assert "login" in actions


async def test_the_login_never_redirects_to_another_site(client, db):
    user = await make_user(db, "adviser", "Blois")
    resp = await _log_in(client, user, next_url="https://evil.example/phish")
    assert resp.status == 302
    assert resp.headers["Location"] == "/"


async def test_a_login_without_the_form_token_is_refused_with_a_403_page(client, db):
    user = await make_user(db, "adviser", "Blois")
    await _login_form(client)  # the cookie is there, the field is not
    resp = await client.post("/login", data={"email": user.email, "password": PASSWORD},
                             allow_redirects=False)
    assert resp.status == 403
    assert "Le formulaire a expiré" in await resp.text()
    assert SESSION not in resp.cookies
    assert await _session_cookie(client) is None


async def test_a_login_with_a_wrong_form_token_is_refused_with_a_403_page(client, db):
    user = await make_user(db, "adviser", "Blois")
    await _login_form(client)
    resp = await client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "login_csrf": "forged"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert "Le formulaire a expiré" in await resp.text()
    assert await _session_cookie(client) is None


async def test_a_wrong_password_shows_a_french_error_and_keeps_the_email(client, db):
    user = await make_user(db, "adviser", "Blois")
    token = await _login_form(client)
    resp = await client.post(
        "/login", data={"email": user.email, "password": "pas-le-bon", "login_csrf": token},
        allow_redirects=False,
    )
    html = await resp.text()
    assert resp.status == 401
    assert "Adresse e-mail ou mot de passe incorrect." in html
    assert f'value="{user.email}"' in html
    assert await _session_cookie(client) is None
    # The page carries a fresh form token, so the next try works.
    retry = await client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "login_csrf": _hidden(html, "login_csrf")},
        allow_redirects=False,
    )
    assert retry.status == 302
    assert await _session_cookie(client)


async def test_a_logged_in_form_posted_without_its_csrf_token_is_refused(client, db):
    user = await make_user(db, "adviser", "Blois")
    await _log_in(client, user)
    resp = await client.post("/logout", data={}, allow_redirects=False)
    assert resp.status == 403
    assert "Le formulaire a expiré ou ne vient pas de ce site" in await resp.text()
    wrong = await client.post("/logout", data={"csrf_token": "0" * 40}, allow_redirects=False)
    assert wrong.status == 403
    # Still logged in: the refused logout did nothing.
    page = await client.get("/login")
    assert user.email in await page.text()


async def test_logout_ends_the_session(client, db):
    user = await make_user(db, "adviser", "Blois")
    await _log_in(client, user)
    old_cookie = await _session_cookie(client)
    page = await client.get("/login")
    csrf = _hidden(await page.text(), "csrf_token")
    resp = await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/login"
    assert await _session_cookie(client) is None
    # The old cookie no longer opens anything, even if replayed.
    again = await client.get("/", cookies={SESSION: old_cookie}, allow_redirects=False)
    assert again.status == 302
    assert again.headers["Location"] == "/login"
    async with db.session() as s:
        logout = await s.scalar(select(AuditEvent).where(AuditEvent.action == "logout"))
    assert logout is not None and logout.user_id == user.id
