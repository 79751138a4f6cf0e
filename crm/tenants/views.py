"""Tenants: the estate tree, the tenants list and the tenant's page (API and pages).

Feature panels on the tenant page
---------------------------------
Features show their part of a household (call tasks, campaigns, SMS conversation) on the
tenant page without editing this module or ``tenant.html``. Each module named in
``PANEL_MODULES`` may exist and expose::

    async def tenant_panel(request: web.Request, tenant: dict, session: AsyncSession) -> dict | None

``tenant`` is the tenant's detail (the JSON of ``GET /api/v1/tenants/{id}``), ``session`` the
page's database session (read with it; do not commit). Return None to
show nothing, or ``{"template": "calls/tenant_panel.html", ...context}``: that template is
rendered with the returned context (plus ``tenant``, ``panel`` — the dict itself — and the
usual page values such as ``user`` and ``csrf_token``) and shown after the page's own
sections, in ``PANEL_MODULES`` order.
"""

from __future__ import annotations

import importlib
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import auth
from crm.errors import NotFound
from crm.keys import DB
from crm.models import Agency, Building, Residence
from crm.tenants.directory import (
    SORTS,
    TenantFilters,
    list_tenants,
    load_tenant,
    tenant_detail,
)
from crm.tenants.estate import estate_tree
from crm.web.jsonutil import int_param, json_response, page_params, paginated
from crm.web.listing import page_links, sort_choice, sort_links, sort_options
from crm.web.middlewares import principal
from crm.web.render import page_context, render

PANEL_MODULES: tuple[str, ...] = ("crm.requests.panels", "crm.calls.panels", "crm.campaigns.panels",
                                  "crm.incidents.panels")


def _filters(request: web.Request) -> TenantFilters:
    p = principal(request)
    return TenantFilters(
        agency_id=p.agency_scope(int_param(request, "agency")),
        residence_id=int_param(request, "residence"),
        building_id=int_param(request, "building"),
        q=(request.query.get("q") or "").strip() or None,
    )


async def _checked_detail(request: web.Request, session: AsyncSession, tenant_id: int) -> dict[str, Any]:
    """The tenant's detail, or 404 (unknown) / 403 (every lease in another agency)."""
    p = principal(request)
    record = await load_tenant(session, tenant_id)
    if record is None:
        raise NotFound("Locataire introuvable.", code="tenant_not_found")
    agencies = record.agency_ids
    if p.agency_id not in agencies:
        # Admins pass; anyone else is refused as for another agency's object.
        p.check_agency(min(agencies, default=None))
    detail = await tenant_detail(session, tenant_id, record)
    assert detail is not None
    return detail


@auth.any_user
async def api_estate(request: web.Request) -> web.Response:
    """The estate as a tree: agencies, local offices, residences, buildings, entrances.

    Scoped to the caller's agency; admins see every agency, or the one given as `agency`.
    """
    agency = principal(request).agency_scope(int_param(request, "agency"))
    async with request.app[DB].session() as session:
        return json_response(await estate_tree(session, agency))


@auth.any_user
async def api_tenants(request: web.Request) -> web.Response:
    """Tenants with their current lease, filtered, searched and paginated.

    `q` matches names (case and accents ignored), the contract reference and phone numbers
    written any French way.
    """
    filters = _filters(request)
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        items, total = await list_tenants(session, filters, page, per_page)
    return json_response(paginated(items, total, page))


@auth.any_user
async def api_tenant(request: web.Request) -> web.Response:
    """One tenant with leases, phones, opt-out history and timeline."""
    async with request.app[DB].session() as session:
        detail = await _checked_detail(request, session, int(request.match_info["id"]))
    return json_response(detail)


# --- pages -------------------------------------------------------------------------------

PAGE_SIZE = 50
SORT_LABELS = {"name": "Locataire", "contract": "Contrat", "lease_start": "Date d'entrée", "place": "Logement"}


@auth.any_user
async def tenants_page(request: web.Request) -> web.Response:
    p = principal(request)
    filters = _filters(request)
    try:
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        page = 1
    sort, descending = sort_choice(request.query.get("sort"), SORTS, "name")
    async with request.app[DB].session() as session:
        items, total = await list_tenants(session, filters, page, PAGE_SIZE, sort, descending)
        # With the agency's name: an admin sees "La Chênaie" in three agencies.
        residences_q = (select(Residence.id, Residence.name, Agency.name.label("agency_name"))
                        .join(Agency, Agency.id == Residence.agency_id)
                        .order_by(Agency.name, Residence.name))
        if filters.agency_id is not None:
            residences_q = residences_q.where(Residence.agency_id == filters.agency_id)
        residences = (await session.execute(residences_q)).all()
        buildings: list[Any] = []
        if filters.residence_id is not None:
            buildings_q = select(Building.id, Building.name).where(
                Building.residence_id == filters.residence_id)
            if filters.agency_id is not None:  # another agency's residence shows nothing
                buildings_q = buildings_q.join(Residence, Residence.id == Building.residence_id).where(
                    Residence.agency_id == filters.agency_id)
            buildings = list((await session.execute(buildings_q.order_by(Building.name))).all())
        agencies = []
        if p.is_admin:
            agencies = [{"id": a["id"], "name": a["name"]} for a in await estate_tree(session, None)]
    params = {k: v for k, v in {
        "q": filters.q, "agency": request.query.get("agency") if p.is_admin else None,
        "residence": filters.residence_id, "building": filters.building_id}.items() if v}
    pages = max(1, -(-total // PAGE_SIZE))
    sorted_params = params | ({"sort": ("-" if descending else "") + sort} if sort != "name" or descending else {})
    return await render("tenants.html", request, {
        "items": items, "total": total, "page": page, "pages": pages,
        "filters": filters, "agencies": agencies, "residences": residences, "buildings": buildings,
        "links": page_links(page, pages, sorted_params),
        "sorts": sort_links(sort, descending, list(SORTS), params),
        "sort_options": sort_options(SORT_LABELS, sort, descending),
        "sort_keep": params, "sort_action": "/locataires",
        "group_residences": p.is_admin and filters.agency_id is None,
    })


async def feature_panels(request: web.Request, session: AsyncSession, tenant: dict[str, Any],
                         base: dict[str, Any]) -> list[Markup]:
    """The features' panels for this tenant, rendered (see the module docstring) with the
    page's values ``base``."""
    env = aiohttp_jinja2.get_env(request.app)
    panels: list[Markup] = []
    for name in PANEL_MODULES:
        module = importlib.import_module(name)
        panel = await module.tenant_panel(request, tenant, session)
        if panel:
            context = base | {"tenant": tenant, "panel": panel} | panel
            panels.append(Markup(env.get_template(panel["template"]).render(context)))
    return panels


@auth.any_user
async def tenant_page(request: web.Request) -> web.Response:
    # One session and one page context for the detail, the timeline and the panels.
    base = await page_context(request)
    async with request.app[DB].session() as session:
        tenant = await _checked_detail(request, session, int(request.match_info["id"]))
        panels = await feature_panels(request, session, tenant, base)
    return await render("tenant.html", request, {"tenant": tenant, "panels": panels}, page=base)


API_ROUTES = [
    ("GET", "/api/v1/estate", api_estate, "api_estate"),
    ("GET", "/api/v1/tenants", api_tenants, "api_tenants"),
    ("GET", "/api/v1/tenants/{id:\\d+}", api_tenant, "api_tenant"),
]
PAGE_ROUTES = [
    ("GET", "/locataires", tenants_page, "tenants"),
    ("GET", "/locataires/{id:\\d+}", tenant_page, "tenant"),
]
