"""« Ce matin »: today's calls left, open replies (and those saying the problem
continues), campaigns sending or scheduled, late requests and the month's progress
towards the 95 % / 60 % targets — each one a link to the page that deals with it.

Read-only and scoped like every list: a manager sees their agency, an admin every agency
(or one, with ``?agency=``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from crm import auth, calendar
from crm.calls.kpi import courtesy_call_kpis
from crm.calls.queue import day_queue
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import Intent
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import Agency
from crm.requests.queries import late_requests
from crm.web.jsonutil import int_param
from crm.web.middlewares import principal
from crm.web.render import render


async def morning(session: Any, *, agency: int | None, scope: list[Any], now: Any, tz: Any) -> dict[str, Any]:
    today = calendar.local_today(now, tz)
    queue = await day_queue(session, day=today, agency_id=agency, now=now, tz=tz, per_page=1)
    inbound_scope = [InboundMessage.status == InboundStatus.OPEN,
                     *scope_on(scope, InboundMessage.agency_id)]
    open_replies = await session.scalar(
        select(func.count()).select_from(InboundMessage).where(*inbound_scope)) or 0
    persisting = await session.scalar(
        select(func.count()).select_from(InboundMessage).where(
            *inbound_scope, InboundMessage.intent == Intent.PROBLEM_PERSISTS)) or 0
    live = list(await session.scalars(
        select(Campaign).where(Campaign.kind == "campaign",
                               Campaign.status.in_((CampaignStatus.SENDING, CampaignStatus.SCHEDULED)),
                               *scope_on(scope, Campaign.agency_id))
        .order_by(Campaign.send_at.is_(None), Campaign.send_at, Campaign.id)))
    sizes = dict((await session.execute(
        select(OutboxMessage.campaign_id, func.count()).where(
            OutboxMessage.campaign_id.in_([c.id for c in live])).group_by(OutboxMessage.campaign_id))).all()) if live else {}
    # Late requests: open past their due time (crm.requests, the "En retard" filter).
    _, late = await late_requests(session, now, agency_id=scope[0] if scope else None, per_page=1)
    month_start = today.replace(day=1)
    kpi = await courtesy_call_kpis(session, start=month_start, end=today, agency_id=agency,
                                   today=today, tz=tz)
    return {
        "today": today, "calls_left": queue.total, "working_day": queue.working,
        "open_replies": open_replies, "persisting": persisting,
        "campaigns": [{"id": c.id, "name": c.name, "status": c.status, "send_at": c.send_at,
                       "recipients": sizes.get(c.id, 0)} for c in live],
        "late_requests": late, "month_start": month_start, "kpi": kpi,
    }


def scope_on(scope: list[Any], column: Any) -> list[Any]:
    """The principal's agency filter, rebuilt on another table's column."""
    return [column == scope[0]] if scope else []


@auth.managers
async def morning_page(request: web.Request) -> web.Response:
    """Ce matin: today's work for an agency, each figure a link."""
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    now, tz = request.app[CLOCK].now(), request.app[SETTINGS].tz
    async with request.app[DB].session() as session:
        data = await morning(session, agency=agency, scope=[agency] if agency is not None else [],
                             now=now, tz=tz)
        agencies = list(await session.scalars(select(Agency).order_by(Agency.name))) if p.is_admin else []
    # Links carry the agency only when an admin chose one (a manager's pages are scoped anyway).
    return await render("morning.html", request, {**data, "agency": agency if p.is_admin else None,
                                                  "agencies": agencies})


PAGE_ROUTES = [
    ("GET", "/ce-matin", morning_page, "morning_page"),
]
