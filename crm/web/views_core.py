"""Core views: health, metrics, OpenAPI, login and logout (API token and page session)."""

from __future__ import annotations

import hmac
import secrets
from ipaddress import ip_address
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from crm import auth
from crm.errors import ApiError, Forbidden
from crm.keys import CLOCK, DB, METRICS, SETTINGS
from crm.models import AuditEvent, User
from crm.web.client_address import client_address
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


def _may_read_metrics(request: web.Request) -> bool:
    """With the bearer token of ``CRM_METRICS_TOKEN``, or from ``CRM_METRICS_NETWORKS``."""
    settings = request.app[SETTINGS]
    header = request.headers.get("Authorization", "")
    if settings.metrics_token is not None and header[:7].lower() == "bearer ":
        expected = settings.metrics_token.get_secret_value().encode()
        if hmac.compare_digest(header[7:].strip().encode(), expected):
            return True
    address = client_address(request)
    try:
        ip = ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in settings.metrics_allowed_networks)


@auth.public
async def metrics_view(request: web.Request) -> web.Response:
    """Prometheus text format (CRM_METRICS_TOKEN as a bearer token, or CRM_METRICS_NETWORKS)."""
    if not _may_read_metrics(request):
        raise Forbidden("Métriques réservées à la supervision.", code="metrics_forbidden")
    body = await request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


@auth.public
async def openapi(request: web.Request) -> web.Response:
    """This document: an OpenAPI 3 description of the JSON API and webhooks."""
    from crm.web.openapi import document
    from crm.web.routes import api_routes

    return json_response(document(api_routes()))


EMAIL_MAX, PASSWORD_MAX = 254, 1024


class LoginIn(BaseModel):
    email: str = Field(min_length=3, max_length=EMAIL_MAX)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


def _user_public(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role, "agency": user.agency_id}


def _ip(request: web.Request) -> str | None:
    return client_address(request)


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
    # Advisers start their day on the call queue; managers and admins on "Ce matin".
    if p.role == "adviser" and _has_route(request, "calls_page"):
        target = "/appels"
    elif _has_route(request, "morning_page"):
        target = "/ce-matin"
    else:
        target = "/locataires"
    raise web.HTTPFound(target)


def _has_route(request: web.Request, name: str) -> bool:
    return name in request.app.router.named_resources()


def _safe_next(value: str | None) -> str:
    """Only local paths: never redirect a login to another site."""
    return local_path(value, "/")


async def _login_form(request: web.Request, *, next_url: str, email: str = "",
                      errors: dict[str, str] | None = None, error: str | None = None,
                      both: bool = False, status: int = 200) -> web.Response:
    """The login page with a fresh form token; ``errors`` name the fields (``email``,
    ``password``), ``error`` is about the form as a whole (an expired token); ``both``
    marks the e-mail too when the pair of them was refused."""
    token = secrets.token_urlsafe(24) if errors or error else (
        request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24))
    response = await render(
        "login.html", request,
        {"login_csrf": token, "next": next_url, "error": error, "errors": errors or {}, "email": email,
         "both": both},
        status=status,
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/login")
    return response


@auth.public
async def login_page(request: web.Request) -> web.Response:
    return await _login_form(request, next_url=_safe_next(request.query.get("next")))


def _login_field_errors(email: str, password: str) -> dict[str, str]:
    """What can be said before asking the database: blank or implausible fields."""
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Saisissez votre adresse e-mail."
    elif "@" not in email or len(email) > EMAIL_MAX:
        errors["email"] = "Adresse e-mail invalide : elle s'écrit comme prenom.nom@bailleur.fr."
    if not password:
        errors["password"] = "Saisissez votre mot de passe."
    elif len(password) > PASSWORD_MAX:
        errors["password"] = "Mot de passe trop long (1 024 caractères au plus)."
    return errors


# Which field a refused login is about. Wrong credentials mark both (saying which one is
# wrong would tell who has an account); a throttle is about the account or the address.
_LOGIN_ERROR_FIELD = {"invalid_credentials": "password", "login_throttled": "email"}


@auth.public
async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    next_url = _safe_next(str(form.get("next", "")))
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie_token or form.get("login_csrf") != cookie_token:
        return await _login_form(request, next_url=next_url, email=email, status=403,
                                 error="Le formulaire a expiré. Merci de recommencer.")
    errors = _login_field_errors(email, password)
    if errors:
        # Not an attempt: nothing is counted by the throttle, nothing is audited.
        return await _login_form(request, next_url=next_url, email=email, errors=errors, status=422)
    now = request.app[CLOCK].now()
    try:
        async with request.app[DB].session() as session:
            user = await auth.authenticate(session, email, password, now, _ip(request))
            token = await auth.issue_token(session, user, now, kind="session")
            await session.commit()
    except ApiError as exc:
        field = _LOGIN_ERROR_FIELD.get(exc.code, "password")
        return await _login_form(request, next_url=next_url, email=email,
                                 errors={field: exc.message}, status=exc.status,
                                 both=exc.code == "invalid_credentials")
    found = web.HTTPFound(next_url)
    secure = request.app[SETTINGS].public_url.startswith("https://")
    found.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax", secure=secure, path="/")
    found.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise found


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
