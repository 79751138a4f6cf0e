"""Local mode's "simuler une réponse": a tenant's reply typed by hand on the simulation page
or a conversation, received through the same code path as Twilio's webhook
(``crm.inbox.inbound.receive``), so two-way SMS can be tried without a provider."""

from __future__ import annotations

import secrets

from aiohttp import web
from sqlalchemy import func, select

from crm import auth
from crm.campaigns.local_sms_views import render_local_sms, visible_sms
from crm.errors import Forbidden, Invalid, NotFound
from crm.inbox.inbound import receive
from crm.inbox.list_state import conversation_url, state_from_form
from crm.keys import CLOCK, DB, SETTINGS, SMS
from crm.phones import normalise_phone
from crm.sms.encoding import MAX_CHARACTERS
from crm.sms.models import LocalSms
from crm.web.middlewares import principal

MAX_SIMULATED_BODY = MAX_CHARACTERS  # what Twilio would accept


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
                LocalSms.to == e164, *visible_sms(p)))
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
        fields = {d["field"]: d["message"] for d in exc.details or []}
        return await render_local_sms(request, reply_to=raw_from, draft=body, error=exc.message,
                                      field_errors=fields, status=422)
    settings, now = request.app[SETTINGS], request.app[CLOCK].now()
    received = await receive(request.app[DB], {
        "MessageSid": "SM" + secrets.token_hex(16), "From": e164, "To": "simulation", "Body": body,
    }, now=now, tz=settings.tz)
    if received.reply:
        # Twilio would send the TwiML answer (STOP confirmation, "we will call you back")
        # itself, outside the outbox: the local backend keeps it the same way.
        await request.app[SMS].send(e164, received.reply)
    raise web.HTTPSeeOther(conversation_url(received.message_id, state_from_form(form)))


PAGE_ROUTES = [
    ("POST", "/sms-simulation/reponse", simulate_reply_submit, "local_sms_simulate_reply"),
]
