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
from crm.db import database_unreachable
from crm.errors import ApiError, Forbidden, NotFound, Unauthorized
from crm.forms import read_form
from crm.keys import CLOCK, DB, METRICS, OUTAGE

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "crm_session"
LOGIN_CSRF_COOKIE = "crm_login_csrf"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Bodies anyone may send (login, webhooks) are small: a real Twilio webhook is about 1 kB,
# the largest legal one (1600 UCS-2 characters, percent-encoded) far below this. Imports
# and other signed-in routes keep the application's limit.
PUBLIC_MAX_BODY = 32 * 1024
RETRY_AFTER_SECONDS = 5  # what a client is told to wait while the database is down
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


def _unavailable(request: web.Request) -> web.Response:
    """503 while the database is down: the client may try again shortly."""
    from crm.web.jsonutil import json_response

    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    message = "Service momentanément indisponible. Réessayez dans quelques secondes."
    if wants_json(request):
        return json_response({"error": {"code": "service_unavailable", "message": message,
                                        "details": None}}, status=503, headers=headers)
    import aiohttp_jinja2

    # Rendered without the page context: its badges would ask the database again.
    response = aiohttp_jinja2.render_template("error.html", request, {
        "status": 503, "message": message, "user": None, "csrf_token": "",
        "request_path": request.path, "sms_backend": None}, status=503)
    response.headers.update(headers)
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    from crm.web.jsonutil import json_response

    outage = request.app[OUTAGE]
    try:
        response = await handler(request)
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
        # A 405 says which methods the address takes (TRACE included).
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
        if exc.status >= 400 and wants_json(request):
            code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
                exc.status, "http_error"
            )
            message = {404: "Cette adresse n'existe pas.", 405: "Méthode non autorisée sur cette adresse.",
                       413: "Requête trop volumineuse."}.get(exc.status, exc.reason)
            return json_response(
                {"error": {"code": code, "message": message, "details": None}}, status=exc.status,
                headers=allow,
            )
        if exc.status in (404, 405) and not wants_json(request):
            page = await _error_page(request, exc.status, "Cette page n'existe pas.")
            page.headers.update(allow)
            return page
        raise
    except Exception as exc:
        if database_unreachable(exc):
            outage.failed(exc)  # one log line per outage, not a traceback per request
            return _unavailable(request)
        log.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json(request):
            return json_response(
                {"error": {"code": "internal_error", "message": "Erreur interne du serveur.",
                           "details": None}},
                status=500,
            )
        return await _error_page(request, 500, "Une erreur inattendue s'est produite. Elle a été enregistrée.")
    if outage.ongoing and await request.app[DB].ping():
        outage.recovered()
    return response


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


async def _check_csrf(request: web.Request, session_token: str) -> None:
    expected = auth.csrf_token_for(session_token)
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in FORM_TYPES:
        form = await read_form(request)
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
    query string (PostgreSQL refuses them in text, nothing legitimate sends them) and for
    an empty query value in the API."""
    for value in request.match_info.values():
        if value.isdigit() and int(value) > MAX_ID:
            raise NotFound("Élément introuvable.", code="not_found")
    if "\x00" in request.query_string or "%00" in request.raw_path:
        raise ApiError("Les paramètres ne peuvent pas contenir de caractère nul.",
                       code="invalid_parameter")
    if request.path.startswith("/api/"):
        # In the API an empty value is a mistake (a template left unfilled), not "absent";
        # page forms do send empty fields for "any", so pages keep reading them as absent.
        empty = sorted({k for k, v in request.query.items() if v == ""})
        if empty:
            raise ApiError(f"Paramètre vide : {', '.join(empty)} (omettez-le plutôt).",
                           code="empty_parameter", details={"parameters": empty})


async def _refuse_nul_in_form(request: web.Request) -> None:
    """400 for a NUL character in a page form (PostgreSQL refuses them in text). Webhooks
    read their own capped body and check it themselves."""
    if (request.method not in UNSAFE or request.content_type not in FORM_TYPES
            or request.path.startswith("/webhooks/") or request.match_info.http_exception):
        return
    form = await read_form(request)
    if any(isinstance(v, str) and "\x00" in v for v in form.values()):
        raise ApiError("Le formulaire contient un caractère nul.", code="invalid_form")


def _capped(request: web.Request, limit: int) -> web.Request:
    """The request with a body limit of ``limit`` bytes: 413 at once when it says it is
    larger, and a reader that stops at the limit when it does not say (chunked)."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
        return request  # the body cannot be longer than it says: no clone (a webhook's cost)
    return request.clone(client_max_size=limit)


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
        if request.method in UNSAFE:
            request = _capped(request, PUBLIC_MAX_BODY)
        await _refuse_nul_in_form(request)
        return await handler(request)
    if p is None:
        raise Unauthorized("Authentification requise.", code="unauthenticated")
    if p.role not in declared:
        raise Forbidden("Votre rôle ne permet pas cette action.", code="role_forbidden")
    if from_cookie and request.method in UNSAFE:
        await _check_csrf(request, token)
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
        request.app[METRICS].observe_request(request.method, route, status,
                                             time.perf_counter() - started)


# No inline script anywhere (scripts live in static/); inline style attributes remain.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if not request.path.startswith("/static/"):
        # Pages and API answers carry tenants' personal data: never kept by a browser or a
        # shared proxy (the back button on a shared PC, a corporate cache).
        response.headers.setdefault("Cache-Control", "no-store")
    return response
