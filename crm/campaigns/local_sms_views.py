"""The local backend's page: every SMS it kept instead of sending, newest first (its
"simuler une réponse" form posts to ``crm.inbox.simulated_reply_views``)."""

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
from crm.web.listing import page_links
from crm.web.middlewares import principal
from crm.web.render import render


def visible_sms(p: Principal) -> list[Any]:
    """Admins see every SMS; others those of their agency's campaigns and direct messages,
    plus the few the outbox has not tied to a campaign yet (nothing says whose they are)."""
    if p.is_admin:
        return []
    sent = select(OutboxMessage.id).where(OutboxMessage.provider_sid == LocalSms.sid)
    mine = sent.join(Campaign, Campaign.id == OutboxMessage.campaign_id).where(
        Campaign.agency_id == p.agency_id)
    return [or_(exists(mine), ~exists(sent))]


async def render_local_sms(request: web.Request, *, page: int = 1, per_page: int = 50,
                           reply_to: str = "", draft: str = "", error: str | None = None,
                           field_errors: dict[str, str] | None = None,
                           status: int = 200) -> web.Response:
    """The page, also shown again with a refused simulated reply (its error and draft)."""
    where = visible_sms(principal(request))
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(LocalSms).where(*where))
        messages = (await session.scalars(
            select(LocalSms).where(*where).order_by(LocalSms.at.desc(), LocalSms.id.desc())
            .offset((page - 1) * per_page).limit(per_page))).all()
    pages = max(1, -(-int(total or 0) // per_page))
    return await render("sms_local.html", request, {
        "messages": messages, "total": int(total or 0), "page": page, "per_page": per_page,
        "pages": pages, "links": page_links(page, pages, {"per_page": per_page if per_page != 50 else None}),
        "reply_to": reply_to, "draft": draft, "error": error, "field_errors": field_errors or {},
    }, status=status)


@auth.any_user
async def local_sms_page(request: web.Request) -> web.Response:
    page, per_page = page_params(request)
    return await render_local_sms(request, page=page, per_page=per_page,
                                  reply_to=request.query.get("de", ""))


PAGE_ROUTES = [
    ("GET", "/sms-simulation", local_sms_page, "local_sms_page"),
]
