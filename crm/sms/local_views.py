"""The local backend's page: every SMS it kept instead of sending, newest first."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func, select

from crm import auth
from crm.sms.models import LocalSms
from crm.web.jsonutil import page_params
from crm.web.keys import DB
from crm.web.render import render


@auth.any_user
async def local_sms_page(request: web.Request) -> web.Response:
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(LocalSms))
        messages = (await session.scalars(
            select(LocalSms).order_by(LocalSms.at.desc(), LocalSms.id.desc())
            .offset((page - 1) * per_page).limit(per_page))).all()
    return await render("sms_local.html", request, {
        "messages": messages, "total": int(total or 0), "page": page, "per_page": per_page})


PAGE_ROUTES = [
    ("GET", "/sms-simulation", local_sms_page, "local_sms_page"),
]
