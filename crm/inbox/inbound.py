"""What happens to an incoming SMS: stored once, threaded, understood, acted upon.

``receive`` is called by the webhook after the Twilio signature was checked. It stores the
message (the same ``MessageSid`` lands on the same row), finds the tenant and the SMS the
tenant is answering, applies opt-out / opt-in, and runs the intent's action. It returns the
text the service answers with (opt-out confirmation, acknowledgement) or None.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm import hooks
from crm.campaigns.models import Campaign, Category
from crm.db import Database
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.optout_words import keyword_of
from crm.inbox.threads import thread_for
from crm.inbox.understanding import Intent, understand
from crm.models import OptOutSource, Tenant
from crm.tenants.optouts import is_opted_out, record_opt_change

log = logging.getLogger(__name__)

OPT_OUT_CONFIRMATION = (
    "Vous ne recevrez plus de SMS de votre bailleur. Pour les recevoir de nouveau, "
    "répondez START."
)
OPT_IN_CONFIRMATION = (
    "C'est noté : vous recevez de nouveau les SMS de votre bailleur. Pour les arrêter, "
    "répondez STOP."
)
CALLBACK_ACK = "Bien reçu : un conseiller de votre agence vous rappelle aujourd'hui."

# Filed as handled at once: nothing more to do for an adviser.
HANDLED_INTENTS = frozenset({Intent.THANKS, Intent.PROBLEM_SOLVED, Intent.OPT_OUT, Intent.OPT_IN})


@dataclass(frozen=True)
class Received:
    message_id: int
    duplicate: bool  # the same MessageSid came before: nothing was done again
    reply: str | None  # text for the TwiML <Message>, if the service answers


async def receive(db: Database, params: dict[str, str], *, now: datetime, tz: ZoneInfo) -> Received:
    """Store and handle one incoming SMS (already verified). Idempotent on MessageSid."""
    sid = params["MessageSid"]
    e164 = params["From"]
    body = params.get("Body", "")
    today = now.astimezone(tz).date()
    async with db.session() as session:
        existing = await session.scalar(
            select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
        if existing is not None:
            return Received(existing, True, None)
        thread = await thread_for(session, e164, now, today)
        meaning = understand(body)
        intent = meaning.intent
        reply: str | None = None
        if intent == Intent.OPT_IN and keyword_of(body) == "OUI" and not await is_opted_out(session, e164):
            # "Oui" from someone who never opted out answers something else: an adviser reads it.
            intent = Intent.OTHER
        message = InboundMessage(
            provider_sid=sid, from_e164=e164, to=params.get("To"), body=body, received_at=now,
            tenant_id=thread.tenant_id, agency_id=thread.agency_id,
            outbox_message_id=thread.outbox_message_id, campaign_id=thread.campaign_id,
            intent=intent, sentiment=meaning.sentiment, sentiment_score=meaning.score,
            status=InboundStatus.HANDLED if intent in HANDLED_INTENTS else InboundStatus.OPEN,
            handled_at=now if intent in HANDLED_INTENTS else None,
        )
        session.add(message)
        try:
            await session.flush()
        except IntegrityError:
            # Twilio retried while the first delivery was being handled: that one wins.
            await session.rollback()
            again = await session.scalar(
                select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
            return Received(again or 0, True, None)

        if intent in (Intent.OPT_OUT, Intent.OPT_IN):
            changed = await record_opt_change(
                session, e164, opted_out=intent == Intent.OPT_OUT, at=now,
                source=OptOutSource.SMS, tenant_id=thread.tenant_id,
                note=f"Réponse « {body.strip()[:60]} »")
            if changed:
                reply = OPT_OUT_CONFIRMATION if intent == Intent.OPT_OUT else OPT_IN_CONFIRMATION
        elif intent == Intent.PROBLEM_PERSISTS and thread.campaign_id is not None:
            await _flag_campaign(session, thread.campaign_id)
        elif intent == Intent.CALLBACK_REQUEST and thread.tenant_id is not None:
            if await _request_callback(session, thread.tenant_id, now, tz):
                reply = CALLBACK_ACK
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            again = await session.scalar(
                select(InboundMessage.id).where(InboundMessage.provider_sid == sid))
            return Received(again or 0, True, None)
        return Received(message.id or 0, False, reply)


async def _flag_campaign(session: AsyncSession, campaign_id: int) -> None:
    """One more tenant says the outage goes on (outage and works campaigns only)."""
    await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.category.in_((Category.OUTAGE, Category.WORKS)))
        .values(problem_persists_count=Campaign.problem_persists_count + 1)
        .execution_options(synchronize_session=False)
    )


async def _request_callback(session: AsyncSession, tenant_id: int, now: datetime, tz: ZoneInfo) -> bool:
    """A call task for today at the top of the adviser queue (``crm.hooks.CALLBACK_REQUESTED``); False when
    the tenant has no active lease to call about."""
    taken = [await react(session, tenant_id=tenant_id, at=now, tz=tz)
             for react in hooks.CALLBACK_REQUESTED.handlers()]
    return any(taken)


async def tenant_names(session: AsyncSession, tenant_ids: set[int]) -> dict[int, str]:
    if not tenant_ids:
        return {}
    rows = await session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))
    return {t.id: t.display_name for t in rows if t.id is not None}
