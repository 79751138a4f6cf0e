"""Imports: tenant file upload (API and page). To be completed."""

from __future__ import annotations

from aiohttp import web

from crm import auth
from crm.web.jsonutil import json_response
from crm.web.render import render


@auth.admins
async def api_import_tenants(request: web.Request) -> web.Response:
    """Import the landlord's tenant file (CSV)."""
    return json_response({})


@auth.admins
async def import_page(request: web.Request) -> web.Response:
    return await render("error.html", request, {"status": 501, "message": "À venir"})


@auth.admins
async def import_submit(request: web.Request) -> web.Response:
    raise web.HTTPFound("/imports")
