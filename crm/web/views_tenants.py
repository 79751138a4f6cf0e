"""Tenants: the estate tree, the tenants list and detail (API and pages). To be completed."""

from __future__ import annotations

from aiohttp import web

from crm import auth
from crm.web.jsonutil import json_response
from crm.web.render import render


@auth.any_user
async def api_estate(request: web.Request) -> web.Response:
    """The estate as a tree: agencies, local offices, residences, buildings, entrances."""
    return json_response([])


@auth.any_user
async def api_tenants(request: web.Request) -> web.Response:
    """Tenants with an active or past lease, filtered and paginated."""
    return json_response({"items": [], "total": 0, "page": 1})


@auth.any_user
async def api_tenant(request: web.Request) -> web.Response:
    """One tenant with leases, phones, opt-out history and timeline."""
    raise web.HTTPNotFound()


@auth.any_user
async def tenants_page(request: web.Request) -> web.Response:
    return await render("error.html", request, {"status": 501, "message": "À venir"})


@auth.any_user
async def tenant_page(request: web.Request) -> web.Response:
    raise web.HTTPNotFound()
