"""Every URL of the service, in one place.

Each view declares who may call it (``crm.auth.access`` / ``public``); the auth middleware
enforces that. ``/api/openapi.json`` is generated from this table and the views' docstrings.
"""

from __future__ import annotations

import importlib

from aiohttp import web

from crm.web import views_core as core

# (method, path, handler, name). Names are used by pages to build links.
Route = tuple[str, str, object, str]


def api_routes() -> list[Route]:
    routes: list[Route] = [
        ("GET", "/healthz", core.healthz, "healthz"),
        ("GET", "/metrics", core.metrics_view, "metrics"),
        ("GET", "/api/openapi.json", core.openapi, "openapi"),
        ("POST", "/api/v1/auth/login", core.api_login, "api_login"),
        ("POST", "/api/v1/auth/logout", core.api_logout, "api_logout"),
    ]
    routes += _feature_routes("api")
    return routes


def page_routes() -> list[Route]:
    routes: list[Route] = [
        ("GET", "/", core.home, "home"),
        ("GET", "/login", core.login_page, "login"),
        ("POST", "/login", core.login_submit, "login_submit"),
        ("POST", "/logout", core.logout, "logout"),
    ]
    routes += _feature_routes("pages")
    return routes


def _feature_routes(kind: str) -> list[Route]:
    """Routes of the features (tenants, calls, campaigns, inbox, surveys), each listed in its module's
    ``API_ROUTES`` / ``PAGE_ROUTES``. Collected here so the table above stays the one index."""
    found: list[Route] = []
    for module_name in (
        "crm.tenants.views",  # the estate, the tenant list and the tenant page
        "crm.tenants.import_views",  # the landlord's tenant file
        "crm.calls.api_views",  # queue, attempts, interviews, KPIs
        "crm.calls.page_views",  # "Appels du jour", the call sheet, "Indicateurs"
        "crm.campaigns.views",  # campaigns: API, wizard, campaign page, one SMS to a tenant
        "crm.campaigns.status_views",  # Twilio delivery status callbacks
        "crm.inbox.triage_views",  # inbox: CSV and assignment (before /messages/{id})
        "crm.calls.sms_callback_views",  # inbox: planning a callback a tenant asked for by SMS
        "crm.inbox.reply_templates",  # inbox: reply templates per agency (pages)
        "crm.inbox.reply_templates_api",  # inbox: reply templates per agency (JSON API)
        "crm.inbox.views",  # incoming SMS webhook and the inbox
        "crm.inbox.replies.views",  # inbox: intent corrections, "objection possible" answers
        "crm.campaigns.local_sms_views",  # "SMS envoyés (simulation)" page of the local backend
        "crm.inbox.simulated_reply_views",  # local mode: "simuler une réponse"
        "crm.surveys.views",  # survey import and comparison
        "crm.requests.views",  # tenant requests: API, SMS templates, indicators
        "crm.requests.pages",  # "Demandes", a request's page, "Mes demandes", settings
        "crm.morning.views",  # "Ce matin": managers' and admins' morning view
        "crm.incidents.views",  # outages and planned stops, commitments, incident KPIs
        "crm.tenants.privacy_views",  # personal data: export and anonymisation
    ):
        module = importlib.import_module(module_name)
        found += getattr(module, "API_ROUTES" if kind == "api" else "PAGE_ROUTES", [])
    return found


def all_routes() -> list[Route]:
    return api_routes() + page_routes()


def setup_routes(app: web.Application) -> None:
    for method, path, handler, name in all_routes():
        app.router.add_route(method, path, handler, name=name)
