"""Every URL of the service, in one place.

Each view declares who may call it (``crm.auth.access`` / ``public``); the auth middleware
enforces that. ``/api/openapi.json`` is generated from this table and the views' docstrings.
"""

from __future__ import annotations

import importlib

from aiohttp import web

from crm.web import views_core as core
from crm.web import views_tenants as tenants

# (method, path, handler, name). Names are used by pages to build links.
Route = tuple[str, str, object, str]


def api_routes() -> list[Route]:
    from crm.web import views_imports as imports

    routes: list[Route] = [
        ("GET", "/healthz", core.healthz, "healthz"),
        ("GET", "/metrics", core.metrics_view, "metrics"),
        ("GET", "/api/openapi.json", core.openapi, "openapi"),
        ("POST", "/api/v1/auth/login", core.api_login, "api_login"),
        ("POST", "/api/v1/auth/logout", core.api_logout, "api_logout"),
        ("GET", "/api/v1/estate", tenants.api_estate, "api_estate"),
        ("GET", "/api/v1/tenants", tenants.api_tenants, "api_tenants"),
        ("GET", "/api/v1/tenants/{id:\\d+}", tenants.api_tenant, "api_tenant"),
        ("POST", "/api/v1/imports/tenants", imports.api_import_tenants, "api_import_tenants"),
    ]
    routes += _feature_routes("api")
    return routes


def page_routes() -> list[Route]:
    from crm.web import views_imports as imports

    routes: list[Route] = [
        ("GET", "/", core.home, "home"),
        ("GET", "/login", core.login_page, "login"),
        ("POST", "/login", core.login_submit, "login_submit"),
        ("POST", "/logout", core.logout, "logout"),
        ("GET", "/locataires", tenants.tenants_page, "tenants"),
        ("GET", "/locataires/{id:\\d+}", tenants.tenant_page, "tenant"),
        ("GET", "/imports", imports.import_page, "imports"),
        ("POST", "/imports", imports.import_submit, "import_submit"),
    ]
    routes += _feature_routes("pages")
    return routes


def _feature_routes(kind: str) -> list[Route]:
    """Routes of the features (calls, campaigns, sms, surveys), each listed in its module's
    ``API_ROUTES`` / ``PAGE_ROUTES``. Collected here so the table above stays the one index."""
    found: list[Route] = []
    for module_name in (
        "crm.calls.views",  # queue, attempts, interviews, follow-ups, KPIs
        "crm.campaigns.views",  # campaigns: API, wizard, campaign page, one SMS to a tenant
        "crm.campaigns.status_views",  # Twilio delivery status callbacks
        "crm.sms.views",  # incoming SMS webhook and the inbox
        "crm.sms.local_views",  # "SMS envoyés (simulation)" page of the local backend
        "crm.surveys.views",  # survey import and comparison
        "crm.incidents.views",  # outages and planned stops, commitments, incident KPIs
        "crm.web.views_privacy",  # personal data: export and anonymisation
    ):
        module = importlib.import_module(module_name)
        found += getattr(module, "API_ROUTES" if kind == "api" else "PAGE_ROUTES", [])
    return found


def all_routes() -> list[Route]:
    return api_routes() + page_routes()


def setup_routes(app: web.Application) -> None:
    for method, path, handler, name in all_routes():
        app.router.add_route(method, path, handler, name=name)  # type: ignore[arg-type]
