"""The local backend's page: every SMS it kept instead of sending, newest first."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import exists, func, or_, select

from crm import auth
from crm.auth import Principal
from crm.campaigns.models import Campaign, OutboxMessage
from crm.keys import DB
from crm.sms.models import LocalSms
from crm.web.jsonutil import page_params
from crm.web.middlewares import principal
from crm.web.render import render


def _visible(p: Principal) -> list[Any]:
    """Admins see every SMS; others those of their agency's campaigns and direct messages,
    plus the few the outbox has not tied to a campaign yet (nothing says whose they are)."""
    if p.is_admin:
        return []
    sent = select(OutboxMessage.id).where(OutboxMessage.provider_sid == LocalSms.sid)
    mine = sent.join(Campaign, Campaign.id == OutboxMessage.campaign_id).where(
        Campaign.agency_id == p.agency_id)
    return [or_(exists(mine), ~exists(sent))]


@auth.any_user
async def local_sms_page(request: web.Request) -> web.Response:
    page, per_page = page_params(request)
    where = _visible(principal(request))
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(LocalSms).where(*where))
        messages = (await session.scalars(
            select(LocalSms).where(*where).order_by(LocalSms.at.desc(), LocalSms.id.desc())
            .offset((page - 1) * per_page).limit(per_page))).all()
    return await render("sms_local.html", request, {
        "messages": messages, "total": int(total or 0), "page": page, "per_page": per_page})


PAGE_ROUTES = [
    ("GET", "/sms-simulation", local_sms_page, "local_sms_page"),
]
