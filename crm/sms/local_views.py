"""The local backend's page: every SMS it kept instead of sending, newest first, and
"simuler une réponse": a tenant's reply typed by hand, received through the same inbound
code path as Twilio's webhook (``crm.sms.inbound.receive``), so two-way SMS can be tried
without a provider."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web
from sqlalchemy import exists, func, or_, select

from crm import auth
from crm.auth import Principal
from crm.campaigns.models import Campaign, OutboxMessage
from crm.errors import Forbidden, Invalid, NotFound
from crm.phones import normalise_phone
from crm.sms.inbound import receive
from crm.sms.models import LocalSms
from crm.web.jsonutil import page_params
from crm.web.keys import CLOCK, DB, SETTINGS, SMS
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
    from crm.web.listing import page_links

    pages = max(1, -(-int(total or 0) // per_page))
    return await render("sms_local.html", request, {
        "messages": messages, "total": int(total or 0), "page": page, "per_page": per_page,
        "pages": pages, "links": page_links(page, pages, {"per_page": per_page if per_page != 50 else None}),
        "reply_to": request.query.get("de", ""), "error": None, "draft": ""})


MAX_SIMULATED_BODY = 1600


def _local_only(request: web.Request) -> None:
    # With Twilio, replies come from real phones: there is nothing to simulate.
    if request.app[SETTINGS].sms_backend != "local":
        raise NotFound("La simulation n'existe qu'avec l'envoi simulé (CRM_SMS_BACKEND=local).",
                       code="not_local")


@auth.any_user
async def simulate_reply_submit(request: web.Request) -> web.StreamResponse:
    """A tenant's reply, typed by hand, received as Twilio's webhook would deliver it."""
    _local_only(request)
    form = await request.post()
    raw_from, body = str(form.get("from", "")).strip(), str(form.get("body", "")).strip()
    back = str(form.get("back", ""))
    p = principal(request)
    try:
        parsed = normalise_phone(raw_from)
        e164 = parsed.e164 if parsed else None
        if not e164:
            raise Invalid("Numéro invalide : un mobile français (06…, 07… ou +33…).", code="invalid_phone",
                          details=[{"field": "from", "message": "Numéro invalide."}])
        if not body or len(body) > MAX_SIMULATED_BODY or "\x00" in body:
            raise Invalid("Écrivez le texte de la réponse (1600 caractères au plus).", code="empty_body",
                          details=[{"field": "body", "message": "Texte obligatoire."}])
        async with request.app[DB].session() as session:
            # Only a number this user could have texted: replies land in their agency's inbox.
            seen = await session.scalar(select(func.count()).select_from(LocalSms).where(
                LocalSms.to == e164, *_visible(p)))
            anyone = seen or await session.scalar(
                select(func.count()).select_from(LocalSms).where(LocalSms.to == e164))
        if anyone and not seen:
            raise Forbidden("Ce numéro a reçu les SMS d'une autre agence.", code="agency_forbidden")
        if not seen:
            raise Invalid("Aucun SMS simulé n'a été envoyé à ce numéro.", code="unknown_number",
                          details=[{"field": "from", "message": "Aucun SMS envoyé à ce numéro."}])
    except Invalid as exc:
        if back.startswith("/messages/"):
            raise web.HTTPSeeOther(back) from None
        return await _page_with_error(request, exc, raw_from, body)
    settings, now = request.app[SETTINGS], request.app[CLOCK].now()
    received = await receive(request.app[DB], {
        "MessageSid": "SM" + secrets.token_hex(16), "From": e164, "To": "simulation", "Body": body,
    }, now=now, tz=settings.tz)
    if received.reply:
        # Twilio would send the TwiML answer (STOP confirmation, "we will call you back")
        # itself, outside the outbox: the local backend keeps it the same way.
        await request.app[SMS].send(e164, received.reply)
    raise web.HTTPSeeOther(f"/messages/{received.message_id}")


async def _page_with_error(request: web.Request, exc: Invalid, raw_from: str, body: str) -> web.Response:
    page, per_page = 1, 50
    where = _visible(principal(request))
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(LocalSms).where(*where))
        messages = (await session.scalars(
            select(LocalSms).where(*where).order_by(LocalSms.at.desc(), LocalSms.id.desc())
            .limit(per_page))).all()
    fields = {d["field"]: d["message"] for d in exc.details or []}
    return await render("sms_local.html", request, {
        "messages": messages, "total": int(total or 0), "page": page, "per_page": per_page,
        "pages": 1, "links": [],
        "reply_to": raw_from, "draft": body, "error": exc.message, "field_errors": fields,
    }, status=422)


PAGE_ROUTES = [
    ("GET", "/sms-simulation", local_sms_page, "local_sms_page"),
    ("POST", "/sms-simulation/reponse", simulate_reply_submit, "local_sms_simulate_reply"),
]
