"""Middlewares: errors as JSON (or French pages), authentication and access, CSRF, metrics.

The access check is the one mechanism every route goes through: a view declares its roles
with ``crm.auth.access`` (or ``public``); a view that declares nothing is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from crm import auth
from crm.errors import ApiError, Forbidden, NotFound, Unauthorized
from crm.keys import CLOCK, DB, METRICS

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "crm_session"
LOGIN_CSRF_COOKIE = "crm_login_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRINCIPAL: web.RequestKey["auth.Principal | None"] = web.RequestKey("principal", object)


def wants_json(request: web.Request) -> bool:
    path = request.path
    return (
        path.startswith("/api/") or path.startswith("/webhooks/") or path in ("/healthz", "/metrics")
    )


def principal(request: web.Request) -> auth.Principal:
    """The caller of a view that requires authentication."""
    p = request.get(PRINCIPAL)
    if p is None:  # pragma: no cover - the middleware guarantees it
        raise Unauthorized("Authentification requise.")
    return p


async def _error_page(request: web.Request, status: int, message: str) -> web.Response:
    from crm.web.render import render

    return await render("error.html", request, {"status": status, "message": message}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    from crm.web.jsonutil import json_response

    try:
        return await handler(request)
    except ApiError as exc:
        if wants_json(request):
            headers = {"Retry-After": "900"} if exc.status == 429 else None
            body = exc.body()
            body["error"].setdefault("details", None)  # API.md: always code, message, details
            return json_response(body, status=exc.status, headers=headers)
        if exc.status == 401:
            raise web.HTTPFound(f"/login?next={request.path_qs}") from None
        return await _error_page(request, exc.status, exc.message)
    except web.HTTPException as exc:
        if exc.status >= 400 and wants_json(request):
            code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
                exc.status, "http_error"
            )
            message = {404: "Cette adresse n'existe pas.", 405: "Méthode non autorisée sur cette adresse.",
                       413: "Requête trop volumineuse."}.get(exc.status, exc.reason)
            return json_response(
                {"error": {"code": code, "message": message, "details": None}}, status=exc.status
            )
        if exc.status in (404, 405) and not wants_json(request):
            return await _error_page(request, exc.status, "Cette page n'existe pas.")
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json(request):
            return json_response(
                {"error": {"code": "internal_error", "message": "Erreur interne du serveur.",
                           "details": None}},
                status=500,
            )
        return await _error_page(request, 500, "Une erreur inattendue s'est produite. Elle a été enregistrée.")


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


async def _check_csrf(request: web.Request, session_token: str) -> None:
    expected = auth.csrf_token_for(session_token)
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if sent != expected:
        raise Forbidden(
            "Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez.",
            code="csrf_failed",
        )


# Ids are database INTEGERs: a larger one names no row (and would overflow the driver).
MAX_ID = 2**31 - 1


def _refuse_absurd_values(request: web.Request) -> None:
    """404 for an id in the path that no row can have; 400 for a NUL character in the
    query string (PostgreSQL refuses them in text, nothing legitimate sends them)."""
    for value in request.match_info.values():
        if value.isdigit() and int(value) > MAX_ID:
            raise NotFound("Élément introuvable.", code="not_found")
    if "\x00" in request.query_string or "%00" in request.raw_path:
        raise ApiError("Les paramètres ne peuvent pas contenir de caractère nul.",
                       code="invalid_parameter")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _refuse_nul_in_form(request: web.Request) -> None:
    """400 for a NUL character in a page form (PostgreSQL refuses them in text). Webhooks
    read their own capped body and check it themselves."""
    if (request.method not in UNSAFE or request.content_type not in FORM_TYPES
            or request.path.startswith("/webhooks/") or request.match_info.http_exception):
        return
    form = await request.post()
    if any(isinstance(v, str) and "\x00" in v for v in form.values()):
        raise ApiError("Le formulaire contient un caractère nul.", code="invalid_form")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    _refuse_absurd_values(request)
    route_handler: Any = request.match_info.handler
    declared = getattr(route_handler, "crm_access", None)
    if declared is None and request.match_info.http_exception is None:
        # Static files and aiohttp's own routes carry no declaration; ours always do.
        if not request.path.startswith("/static/"):
            log.error("route without access declaration: %s", request.path)
            raise Forbidden("Accès refusé.", code="no_access_declared")
    token = _bearer(request)
    from_cookie = False
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        from_cookie = token is not None
    p: auth.Principal | None = None
    if token:
        async with request.app[DB].session() as session:
            p = await auth.principal_for_token(session, token, request.app[CLOCK].now())
    if p is not None and from_cookie and p.token_kind != "session":
        p = None
    if p is not None and not from_cookie and p.token_kind != "api":
        p = None
    request[PRINCIPAL] = p
    if declared is None or declared == auth.PUBLIC:
        await _refuse_nul_in_form(request)
        return await handler(request)
    if p is None:
        raise Unauthorized("Authentification requise.", code="unauthenticated")
    if p.role not in declared:
        raise Forbidden("Votre rôle ne permet pas cette action.", code="role_forbidden")
    if from_cookie and request.method in UNSAFE:
        await _check_csrf(request, token)  # type: ignore[arg-type]
    await _refuse_nul_in_form(request)
    return await handler(request)


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "unmatched"
        m = request.app[METRICS]
        m.http_requests.labels(request.method, route, str(status)).inc()  # type: ignore[attr-defined]
        m.http_latency.labels(route).observe(time.perf_counter() - started)  # type: ignore[attr-defined]


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
