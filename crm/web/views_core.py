"""Core views: health, metrics, OpenAPI, login and logout (API token and page session)."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from crm import auth
from crm.errors import ApiError
from crm.keys import CLOCK, DB, METRICS, SETTINGS
from crm.models import AuditEvent, User
from crm.web.jsonutil import json_response, read_json
from crm.web.middlewares import LOGIN_CSRF_COOKIE, PRINCIPAL, SESSION_COOKIE, principal
from crm.web.redirects import local_path
from crm.web.render import render


@auth.public
async def healthz(request: web.Request) -> web.Response:
    """Liveness and database reachability."""
    ok = await request.app[DB].ping()
    return json_response(
        {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unreachable"},
        status=200 if ok else 503,
    )


@auth.public
async def metrics_view(request: web.Request) -> web.Response:
    """Prometheus text format."""
    body = await request.app[METRICS].render()  # type: ignore[attr-defined]
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


@auth.public
async def openapi(request: web.Request) -> web.Response:
    """This document: an OpenAPI 3 description of the JSON API and webhooks."""
    from crm.web.openapi import document
    from crm.web.routes import api_routes

    return json_response(document(api_routes()))


class LoginIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


def _user_public(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role, "agency": user.agency_id}


def _ip(request: web.Request) -> str | None:
    return request.remote


@auth.public
async def api_login(request: web.Request) -> web.Response:
    """Log in with e-mail and password; returns a bearer token.

    Wrong credentials: 401. Repeated failures: 429 for 15 minutes.
    """
    body = await read_json(request, LoginIn)
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        user = await auth.authenticate(session, body.email, body.password, now, _ip(request))
        token = await auth.issue_token(session, user, now, kind="api")
        await session.commit()
    return json_response({"token": token, "user": _user_public(user)})


@auth.any_user
async def api_logout(request: web.Request) -> web.Response:
    """Revoke the bearer token used for this request."""
    header = request.headers.get("Authorization", "")
    async with request.app[DB].session() as session:
        await auth.revoke_token(session, header[7:].strip())
        await session.commit()
    return json_response({"status": "logged_out"})


# --- pages -------------------------------------------------------------------------------


@auth.public
async def home(request: web.Request) -> web.Response:
    p = request.get(PRINCIPAL)
    if p is None:
        raise web.HTTPFound("/login")
    # Advisers start their day on the call queue; the others on the tenants list.
    target = "/appels" if p.role == "adviser" and _has_route(request, "calls_page") else "/locataires"
    raise web.HTTPFound(target)


def _has_route(request: web.Request, name: str) -> bool:
    return name in request.app.router.named_resources()


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect a login to another site."""
    return local_path(value, "/")


@auth.public
async def login_page(request: web.Request) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = await render(
        "login.html", request,
        {"login_csrf": token, "next": _safe_next(request.query.get("next")), "error": None, "email": ""},
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/login")
    return response


@auth.public
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "")))
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE)
    error: str | None = None
    status = 200
    if not cookie_token or form.get("login_csrf") != cookie_token:
        error, status = "Le formulaire a expiré. Merci de recommencer.", 403
    else:
        now = request.app[CLOCK].now()
        try:
            async with request.app[DB].session() as session:
                user = await auth.authenticate(session, email, password, now, _ip(request))
                token = await auth.issue_token(session, user, now, kind="session")
                await session.commit()
        except ApiError as exc:
            error, status = exc.message, exc.status
        else:
            response = web.HTTPFound(next_url)
            secure = request.app[SETTINGS].public_url.startswith("https://")  # type: ignore[union-attr]
            response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax",
                                secure=secure, path="/")
            response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
            raise response
    fresh = secrets.token_urlsafe(24)
    response = await render(
        "login.html", request,
        {"login_csrf": fresh, "next": next_url, "error": error, "email": email}, status=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, fresh, httponly=True, samesite="Strict", path="/login")
    return response


@auth.any_user
async def logout(request: web.Request) -> web.StreamResponse:
    p = principal(request)
    async with request.app[DB].session() as session:
        if p.session_token:
            await auth.revoke_token(session, p.session_token)
        session.add(AuditEvent(at=request.app[CLOCK].now(), action="logout", user_id=p.user_id))
        await session.commit()
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response
