"""Incoming SMS: the signed Twilio webhook, the inbox API and the agency inbox pages."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from twilio.twiml.messaging_response import MessagingResponse

from crm import auth, hooks
from crm.auth import Principal
from crm.campaigns.direct import send_direct_sms
from crm.campaigns.labels import OUTBOX_STATUS_LABELS
from crm.campaigns.models import Campaign, Category, OutboxMessage, OutboxStatus
from crm.errors import ApiError, Invalid, NotFound
from crm.inbox.inbound import receive, tenant_names
from crm.inbox.list_state import conversation_url, list_state, list_url, state_from_form
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.triage_views import advisers_of, assigned_filter, is_callback_request, search_filter
from crm.inbox.understanding import INTENT_LABELS, SENTIMENT_LABELS, Intent
from crm.keys import CLOCK, DB, PAGE_CONTEXT, SETTINGS
from crm.models import Agency
from crm.sms.encoding import MAX_CHARACTERS
from crm.sms.signature import verified_form
from crm.tenants.optouts import is_opted_out
from crm.web.jsonutil import (
    int_param,
    int_value,
    json_response,
    page_params,
    page_values,
    paginated,
    read_json,
)
from crm.web.listing import page_links
from crm.web.middlewares import PRINCIPAL, principal
from crm.web.render import render

# A real Twilio webhook is about 1 kB; the largest legal body (1600 characters of UCS-2,
# percent-encoded) stays far below this.
MAX_WEBHOOK_BYTES = 32 * 1024
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{5,14}$")
STATUSES = (InboundStatus.OPEN, InboundStatus.HANDLED, "all")


# --- webhook ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def _twiml_text(reply: str | None) -> str:
    # The answers are a handful of fixed texts: each TwiML document is built once.
    answer = MessagingResponse()
    if reply:
        answer.message(reply)
    return str(answer)


def _twiml(reply: str | None) -> web.Response:
    return web.Response(text=_twiml_text(reply), content_type="text/xml")


@auth.public
async def twilio_sms(request: web.Request) -> web.Response:
    """Incoming SMS (Twilio webhook, signed with X-Twilio-Signature).

    403 and nothing stored without a valid signature; the same MessageSid is stored once;
    the answer is TwiML, with a <Message> only for an opt-out confirmation or an
    acknowledgement.
    """
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_WEBHOOK_BYTES,
                                            actual_size=request.content_length)
    if request.content_type != "application/x-www-form-urlencoded":
        raise ApiError("Un webhook Twilio est un formulaire (application/x-www-form-urlencoded).",
                       code="unsupported_media_type", status=415)
    # A chunked body has no Content-Length: the clone caps what post() will read (the
    # access middleware already caps public routes at this size: no second clone then).
    if request.content_length is None and request.client_max_size > MAX_WEBHOOK_BYTES:
        request = request.clone(client_max_size=MAX_WEBHOOK_BYTES)
    params = await verified_form(request)
    sid, sender, body = params.get("MessageSid", ""), params.get("From", ""), params.get("Body", "")
    # PostgreSQL refuses NUL characters in text; nothing legitimate sends them.
    if (not _SID.match(sid) or not _E164.match(sender) or len(body) > MAX_CHARACTERS
            or "\x00" in body or len(params.get("To", "")) > 32):
        raise ApiError("Webhook SMS incomplet ou invalide (MessageSid, From, Body).",
                       code="malformed_webhook")
    received = await receive(request.app[DB], params, now=request.app[CLOCK].now(),
                             tz=request.app[SETTINGS].tz)
    return _twiml(received.reply)


# --- queries shared by the API and the pages ----------------------------------------------

def _filters(p: Principal, *, agency: int | None, status: str, intent: str | None,
             campaign: int | None, q: str | None = None, assigned: str | None = None) -> list[Any]:
    if status not in STATUSES:
        raise ApiError("status doit valoir open, handled ou all.", code="invalid_parameter")
    if intent is not None and intent not in Intent.ALL:
        raise ApiError("Intention inconnue.", code="invalid_parameter")
    where = p.scope_filter(InboundMessage.agency_id, agency)
    if status != "all":
        where.append(InboundMessage.status == status)
    if intent:
        where.append(InboundMessage.intent == intent)
    if campaign is not None:
        where.append(InboundMessage.campaign_id == campaign)
    return where + search_filter(q) + assigned_filter(assigned, p.user_id)


def inbox_where(request: web.Request, values: Mapping[str, str] | None = None) -> list[Any]:
    """The inbox's filters from the query string (page, API and CSV alike), or from
    ``values`` (the list state a conversation's form carried back)."""
    p = principal(request)
    v = request.query if values is None else values
    return _filters(p, agency=int_value(v, "agency") if p.is_admin or request.path.startswith("/api/") else None,
                    status=v.get("status") or InboundStatus.OPEN,
                    intent=v.get("intent") or None, campaign=int_value(v, "campaign"),
                    q=v.get("q"), assigned=v.get("attribue"))


async def _list(session: AsyncSession, where: list[Any], page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    total = await session.scalar(select(func.count()).select_from(InboundMessage).where(*where)) or 0
    rows = list(await session.scalars(
        select(InboundMessage).where(*where)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    names = await tenant_names(session, {m.tenant_id for m in rows if m.tenant_id})
    return [_item(m, names) for m in rows], total


def _item(m: InboundMessage, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": m.id, "tenant_id": m.tenant_id,
        "tenant_name": names.get(m.tenant_id) if m.tenant_id else None,
        "from": m.from_e164, "body": m.body, "received_at": m.received_at,
        "intent": m.intent, "sentiment": m.sentiment, "sentiment_score": m.sentiment_score,
        "campaign_id": m.campaign_id, "status": m.status, "decided_by": m.decided_by,
        "review": m.review if m.review_outcome is None else None,
        "assigned_to": m.assigned_to, "agency_id": m.agency_id,
    }


async def _message(session: AsyncSession, p: Principal, message_id: int) -> InboundMessage:
    message = await session.get(InboundMessage, message_id)
    if message is None:
        raise NotFound("Message introuvable.")
    p.check_agency(message.agency_id)
    return message


async def _mark_handled(request: web.Request, message_id: int) -> InboundMessage:
    p = principal(request)
    async with request.app[DB].session() as session:
        message = await _message(session, p, message_id)
        if message.status != InboundStatus.HANDLED:
            message.status = InboundStatus.HANDLED
            message.handled_by = p.user_id
            message.handled_at = request.app[CLOCK].now()
            await session.commit()
        return message


async def _reply(request: web.Request, message_id: int, body: str) -> OutboxMessage:
    """Send an SMS in the same conversation (through the outbox, as a direct message, which
    checks the body and the opt-out)."""
    p = principal(request)
    async with request.app[DB].session() as session:
        message = await _message(session, p, message_id)
        tenant_id, e164, agency_id = message.tenant_id, message.from_e164, message.agency_id
    return await send_direct_sms(request.app, tenant_id=tenant_id, e164=e164, body=body,
                                 user_id=p.user_id, agency_id=agency_id)


# --- API -----------------------------------------------------------------------------------

class ReplyIn(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_CHARACTERS)


@auth.any_user
async def api_inbox(request: web.Request) -> web.Response:
    """Incoming messages of the agency, newest first (filters: status, intent, campaign, q)."""
    page, per_page = page_params(request)
    where = inbox_where(request)
    async with request.app[DB].session() as session:
        items, total = await _list(session, where, page, per_page)
    return json_response(paginated(items, total, page))


@auth.any_user
async def api_inbox_reply(request: web.Request) -> web.Response:
    """Answer an incoming message by SMS (in the same conversation)."""
    data = await read_json(request, ReplyIn)
    result = await _reply(request, int(request.match_info["id"]), data.body)
    return json_response({"outbox_message_id": result.id, "status": "queued",
                          "send_at": result.next_try_at}, status=202)


@auth.any_user
async def api_inbox_handled(request: web.Request) -> web.Response:
    """Mark an incoming message as handled."""
    message = await _mark_handled(request, int(request.match_info["id"]))
    return json_response({"id": message.id, "status": message.status})


# --- pages ---------------------------------------------------------------------------------

def _labels() -> dict[str, Any]:
    return {"intent_labels": INTENT_LABELS, "sentiment_labels": SENTIMENT_LABELS,
            "outbox_status_labels": OUTBOX_STATUS_LABELS}


async def _alerts(session: AsyncSession, p: Principal) -> list[dict[str, Any]]:
    """Outage and works campaigns whose tenants say the problem goes on: one banner each,
    the latest ten, with how many replies said so."""
    def persisting(campaign_id: Any) -> Any:
        return (InboundMessage.campaign_id == campaign_id) & (InboundMessage.intent == Intent.PROBLEM_PERSISTS)

    # The ten campaigns first (one such reply each is enough), then their counts: the page
    # does not count every reply of every outage ever sent.
    latest = (select(Campaign.id, Campaign.name, Campaign.created_at)
              .where(Campaign.category.in_(Category.PERSISTING), *p.scope_filter(Campaign.agency_id),
                     exists().where(persisting(Campaign.id)))
              .order_by(Campaign.created_at.desc(), Campaign.id.desc()).limit(10).subquery())
    count = select(func.count()).select_from(InboundMessage).where(persisting(latest.c.id)).scalar_subquery()
    rows = await session.execute(select(latest.c.id, latest.c.name, count)
                                 .order_by(latest.c.created_at.desc(), latest.c.id.desc()))
    return [{"id": id_, "name": name, "count": n} for id_, name, n in rows]


@auth.any_user
async def inbox_page(request: web.Request) -> web.Response:
    """The agency inbox: the list and, on wide screens, the newest conversation beside it."""
    # ``ouvert``: links from before the side-by-side layout, shown as the conversation's page.
    return await _render_inbox(request, int_param(request, "ouvert"), list_state(request.query))


@auth.any_user
async def inbox_conversation_page(request: web.Request) -> web.Response:
    """One conversation beside the list (alone on a phone): both ways, reply, "traité"."""
    return await _render_inbox(request, int(request.match_info["id"]), list_state(request.query),
                               sent=request.query.get("envoye"),
                               corrected=request.query.get("corrige") == "1")


async def _render_inbox(request: web.Request, message_id: int | None, state: dict[str, str], *,
                        sent: str | None = None, error: str | None = None, draft: str = "",
                        corrected: bool = False) -> web.Response:
    """The inbox page: the list (with ``state``'s filters and page) and one conversation,
    side by side from 1024 px. ``message_id`` None is the list's own page: the newest
    conversation opens beside it, and a phone shows the list alone; with an id, a phone
    shows the conversation alone (static/style.css, ``data-view``)."""
    p = principal(request)
    page, per_page = page_values(state)
    where = inbox_where(request, state)
    async with request.app[DB].session() as session:
        items, total = await _list(session, where, page, per_page)
        selected = message_id if message_id is not None else (items[0]["id"] if items else None)
        conv = await _conversation_context(request, session, p, selected) if selected else {}
        agencies = list(await session.scalars(select(Agency).order_by(Agency.name))) if p.is_admin else []
        alerts = await _alerts(session, p)
        campaign_ids = {c for c in (await session.scalars(
            select(InboundMessage.campaign_id).where(
                InboundMessage.campaign_id.is_not(None),
                *p.scope_filter(InboundMessage.agency_id)).distinct())) if c}
        campaigns = list(await session.scalars(
            select(Campaign).where(Campaign.id.in_(campaign_ids), Campaign.kind == "campaign").order_by(Campaign.created_at.desc())
        )) if campaign_ids else []
    pages = (total + per_page - 1) // per_page
    filters = {k: v for k, v in state.items() if k not in ("page", "per_page")}
    return await render("inbox/list.html", request, {
        "view": "conversation" if message_id is not None else "list", "selected_id": selected,
        "items": items, "total": total, "page": page, "pages": pages,
        "page_links": page_links(page, pages, state),
        "status": state.get("status") or InboundStatus.OPEN, "intent": state.get("intent"),
        "campaign": int_value(state, "campaign"), "alerts": alerts,
        "campaigns": campaigns, "intents": Intent.ALL, "agencies": agencies,
        "agency_names": {a.id: a.name for a in agencies},
        "agency": int_value(state, "agency") if p.is_admin else None,
        "q": state.get("q", ""), "assigned": state.get("attribue", ""),
        "state": state, "liste": urlencode(state), "list_url": list_url(state),
        "csv_query": urlencode(filters),
        "sent": sent, "error": error, "draft": draft, "corrected": corrected,
        "message": None, **conv, **_labels(),
    }, status=422 if error else 200)


async def _conversation_context(request: web.Request, session: AsyncSession, p: Principal,
                                message_id: int) -> dict[str, Any]:
    """What the conversation pane shows: the messages both ways, the tenant, the reply box
    with the agency's templates, assignment, "planifier le rappel"."""
    from crm.inbox.reply_templates import templates_for

    message = await _message(session, p, message_id)
    names = await tenant_names(session, {message.tenant_id} if message.tenant_id else set())
    # Other features' links for this message (the request it answers, "créer une demande").
    links = [link for find in hooks.MESSAGE_LINKS.handlers()
             for link in await find(session, message.id, message.outbox_message_id)]
    return {
        "message": message, "tenant_name": names.get(message.tenant_id or 0),
        "thread": await conversation(session, message.from_e164, agency_id=p.agency_scope()),
        "opted_out": await is_opted_out(session, message.from_e164),
        "reply_campaign": await session.get(Campaign, message.campaign_id) if message.campaign_id else None,
        "request_links": links if message.tenant_id else [],
        "advisers": await advisers_of(session, message.agency_id),
        "reply_templates": await templates_for(session, message.agency_id),
        "callback_form": is_callback_request(message),
        "min_callback": request.app[CLOCK].now().astimezone(request.app[SETTINGS].tz).strftime("%Y-%m-%dT%H:%M"),
        "review_pending": message.review is not None and message.review_outcome is None,
    }


async def conversation(session: AsyncSession, e164: str, limit: int = 200,
                       agency_id: int | None = None) -> list[dict[str, Any]]:
    """Messages both ways with a number, oldest first. With ``agency_id``, only that
    agency's (and the landlord-wide ones): a number may have written to another agency."""
    in_scope: list[Any] = []
    out_scope: list[Any] = []
    if agency_id is not None:
        in_scope = [or_(InboundMessage.agency_id == agency_id, InboundMessage.agency_id.is_(None))]
        out_scope = [OutboxMessage.campaign_id.in_(select(Campaign.id).where(
            or_(Campaign.agency_id == agency_id, Campaign.agency_id.is_(None))))]
    inbound = await session.scalars(
        select(InboundMessage).where(InboundMessage.from_e164 == e164, *in_scope)
        .order_by(InboundMessage.received_at.desc()).limit(limit))
    outbound = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.e164 == e164,
                                    OutboxMessage.status != OutboxStatus.CANCELLED, *out_scope)
        .order_by(OutboxMessage.created_at.desc()).limit(limit))
    out: list[dict[str, Any]] = [
        {"direction": "in", "at": m.received_at, "body": m.body, "id": m.id, "intent": m.intent,
         "sentiment": m.sentiment, "status": m.status} for m in inbound]
    out += [
        {"direction": "out", "at": m.sent_at or m.created_at, "body": m.body, "id": m.id,
         "status": m.status, "campaign_id": m.campaign_id} for m in outbound]
    out.sort(key=lambda e: (e["at"], e["direction"] == "in"))
    return out[-limit:]


async def render_conversation_error(request: web.Request, message_id: int, state: dict[str, str],
                                    error: str, draft: str = "") -> web.Response:
    """The conversation again, with a form's refusal (422) and what was typed."""
    return await _render_inbox(request, message_id, state, error=error, draft=draft)


@auth.any_user
async def inbox_reply_submit(request: web.Request) -> web.Response:
    """Send the reply typed in the conversation, back to it (and to the same list)."""
    message_id = int(request.match_info["id"])
    form = await request.post()
    state = state_from_form(form)
    body = str(form.get("body", ""))
    try:
        result = await _reply(request, message_id, body)
    except Invalid as exc:
        return await render_conversation_error(request, message_id, state, exc.message, draft=body)
    if form.get("and_handled"):
        await _mark_handled(request, message_id)
    # Outside the sending hours the reply waits (crm.campaigns.direct): the page says so.
    sent = "programme" if result.next_try_at > request.app[CLOCK].now() else "1"
    raise web.HTTPSeeOther(conversation_url(message_id, state, envoye=sent))


@auth.any_user
async def inbox_handled_submit(request: web.Request) -> web.Response:
    """Mark a message as handled from the pages, back to the same list."""
    await _mark_handled(request, int(request.match_info["id"]))
    raise web.HTTPSeeOther(list_url(state_from_form(await request.post())))


# --- the open count in the navigation -------------------------------------------------------

async def open_count_context(request: web.Request) -> dict[str, Any]:
    """``inbox_open_count`` for the navigation badge (the caller's agency, or all for admins)."""
    p = request.get(PRINCIPAL)
    if p is None:
        return {}
    async with request.app[DB].session() as session:
        n = await session.scalar(
            select(func.count()).select_from(InboundMessage).where(
                InboundMessage.status == InboundStatus.OPEN,
                *p.scope_filter(InboundMessage.agency_id)))
    return {"inbox_open_count": n or 0}


def install(app: web.Application) -> None:
    """Register the inbox's page-context function (the open count badge)."""
    if open_count_context not in app[PAGE_CONTEXT]:
        app[PAGE_CONTEXT].append(open_count_context)


API_ROUTES = [
    ("POST", "/webhooks/twilio/sms", twilio_sms, "twilio_sms"),
    ("GET", "/api/v1/inbox", api_inbox, "api_inbox"),
    ("POST", "/api/v1/inbox/{id:\\d+}/reply", api_inbox_reply, "api_inbox_reply"),
    ("POST", "/api/v1/inbox/{id:\\d+}/handled", api_inbox_handled, "api_inbox_handled"),
]

PAGE_ROUTES = [
    ("GET", "/messages", inbox_page, "inbox_page"),
    ("GET", "/messages/{id:\\d+}", inbox_conversation_page, "inbox_conversation"),
    ("POST", "/messages/{id:\\d+}/reply", inbox_reply_submit, "inbox_reply_submit"),
    ("POST", "/messages/{id:\\d+}/handled", inbox_handled_submit, "inbox_handled_submit"),
]
