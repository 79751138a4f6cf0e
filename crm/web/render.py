"""Rendering French pages: the template's own values plus what every page needs
(the user, the CSRF token, the navigation with its badges)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from crm import auth, keys


async def page_context(request: web.Request) -> dict[str, Any]:
    from crm.web.middlewares import PRINCIPAL
    from crm.web.nav import nav_items

    p = request.get(PRINCIPAL)
    ctx: dict[str, Any] = {
        "user": p,
        "csrf_token": auth.csrf_token_for(p.session_token) if p and p.session_token else "",
        "request_path": request.path,
        "sms_backend": request.app[keys.SETTINGS].sms_backend,
    }
    if p is not None:
        for extra in request.app[keys.PAGE_CONTEXT]:
            ctx.update(await extra(request))
        ctx["nav_items"] = nav_items(request.app, ctx)
    return ctx


async def render(template: str, request: web.Request, context: dict[str, Any] | None = None,
                 *, status: int = 200, page: dict[str, Any] | None = None) -> web.Response:
    """``page``: the ``page_context`` the view already computed (it runs queries for badges)."""
    ctx = dict(page) if page is not None else await page_context(request)
    ctx.update(context or {})
    return aiohttp_jinja2.render_template(template, request, ctx, status=status)
