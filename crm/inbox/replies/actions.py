"""What an adviser does with a reply in the inbox: correct its intent, answer a possible
objection (or opt-in) with "désinscrire" / "non", export the corrections.

Boundary (crm.inbox.replies.objections): clear objections act at once in the webhook; possible ones
wait here. Accepting one, or correcting a reply to ``opt_out`` / ``opt_in``, changes the
number's SMS state exactly as the keyword does (RULES.md: recorded with date and source, and
confirmed once by SMS). Correcting a reply away from ``opt_out`` never re-subscribes anyone:
that takes the tenant's own START or an explicit opt-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import Principal
from crm.csvexport import excel_csv
from crm.errors import Conflict, Invalid
from crm.inbox.inbound import OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION, opt_note
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.replies.models import IntentCorrection
from crm.inbox.understanding import Intent
from crm.inbox.views import _message as message_in_scope
from crm.keys import CLOCK, DB
from crm.models import OptOutSource, User
from crm.tenants.optouts import record_opt_change

ACCEPTED = "accepted"
DISMISSED = "dismissed"
_OPT_INTENTS = (Intent.OPT_OUT, Intent.OPT_IN)


@dataclass(frozen=True)
class Outcome:
    message_id: int
    intent: str
    previous_intent: str
    review: str | None
    review_outcome: str | None
    opted_out: bool | None  # the number's new state when it changed, else None
    correction_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.message_id, "intent": self.intent, "previous_intent": self.previous_intent,
                "review": self.review, "review_outcome": self.review_outcome,
                "opted_out": self.opted_out, "correction_id": self.correction_id}


async def _record_correction(session: AsyncSession, message: InboundMessage, to_intent: str,
                             user_id: int | None, now: datetime) -> IntentCorrection:
    correction = IntentCorrection(
        inbound_message_id=message.id, agency_id=message.agency_id, user_id=user_id, at=now,
        from_intent=message.intent, to_intent=to_intent, decided_by=message.decided_by)
    session.add(correction)
    message.intent = to_intent
    return correction


async def _opt_change(session: AsyncSession, message: InboundMessage, *, opted_out: bool,
                      user_id: int | None, now: datetime) -> bool:
    """Record the adviser's decision on the number; True when its state changed."""
    return await record_opt_change(
        session, message.from_e164, opted_out=opted_out, at=now, source=OptOutSource.ADVISER,
        tenant_id=message.tenant_id, user_id=user_id,
        note=opt_note(message.body)[:200] + " (confirmé par un conseiller)")


async def _confirm(app: web.Application, message: InboundMessage, opted_out: bool,
                   user_id: int | None) -> None:
    """The one confirmation SMS of the change, through the outbox."""
    from crm.campaigns.direct import send_direct_sms

    await send_direct_sms(
        app, tenant_id=message.tenant_id, e164=message.from_e164,
        body=OPT_OUT_CONFIRMATION if opted_out else OPT_IN_CONFIRMATION,
        user_id=user_id, agency_id=message.agency_id, opt_out_confirmation=opted_out)


async def correct_intent(app: web.Application, p: Principal, message_id: int, to_intent: str) -> Outcome:
    """An adviser sets the intent of a reply; the correction is kept (who, when, from -> to)."""
    if to_intent not in Intent.ALL:
        raise Invalid("Intention inconnue.", code="invalid_intent")
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        message = await message_in_scope(session, p, message_id)
        previous = message.intent
        if previous == to_intent:
            raise Invalid("Ce message a déjà cette intention.", code="unchanged_intent")
        correction = await _record_correction(session, message, to_intent, p.user_id, now)
        changed = False
        if to_intent in _OPT_INTENTS:
            changed = await _opt_change(session, message, opted_out=to_intent == Intent.OPT_OUT,
                                        user_id=p.user_id, now=now)
            if message.review is not None and message.review_outcome is None:
                _close_review(message, ACCEPTED if message.review == to_intent else DISMISSED,
                              p.user_id, now)
        await session.commit()
    if changed:
        await _confirm(app, message, to_intent == Intent.OPT_OUT, p.user_id)
    return Outcome(message_id, to_intent, previous, message.review, message.review_outcome,
                   (to_intent == Intent.OPT_OUT) if changed else None, correction.id)


def _close_review(message: InboundMessage, outcome: str, user_id: int | None, now: datetime) -> None:
    message.review_outcome = outcome
    message.review_by = user_id
    message.review_at = now


async def decide_review(app: web.Application, p: Principal, message_id: int, accept: bool) -> Outcome:
    """ "désinscrire" (accept) or "non" (dismiss) on a possible objection or opt-in."""
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        message = await message_in_scope(session, p, message_id)
        if message.review is None:
            raise Invalid("Ce message n'attend aucune décision.", code="nothing_to_review")
        if message.review_outcome is not None:
            raise Conflict("Une décision a déjà été prise pour ce message.", code="review_closed")
        previous = message.intent
        correction_id = None
        changed = False
        _close_review(message, ACCEPTED if accept else DISMISSED, p.user_id, now)
        if accept:
            kind = message.review
            correction = await _record_correction(session, message, kind, p.user_id, now)
            await session.flush()
            correction_id = correction.id
            changed = await _opt_change(session, message, opted_out=kind == Intent.OPT_OUT,
                                        user_id=p.user_id, now=now)
            message.status = InboundStatus.HANDLED
            message.handled_by, message.handled_at = p.user_id, now
        await session.commit()
    if changed:
        await _confirm(app, message, message.intent == Intent.OPT_OUT, p.user_id)
    return Outcome(message_id, message.intent, previous, message.review, message.review_outcome,
                   (message.intent == Intent.OPT_OUT) if changed else None, correction_id)


CSV_HEADER = ["corrigé le", "message", "reçu le", "texte", "intention détectée", "intention corrigée",
              "règle", "ton détecté", "conseiller"]


async def corrections_csv(session: AsyncSession, p: Principal, agency: int | None, tz: ZoneInfo) -> bytes:
    """Every correction of the caller's agency (or all, for an admin), oldest first, for Excel."""
    rows = (await session.execute(
        select(IntentCorrection, InboundMessage, User)
        .join(InboundMessage, InboundMessage.id == IntentCorrection.inbound_message_id)
        .outerjoin(User, User.id == IntentCorrection.user_id)
        .where(*p.scope_filter(IntentCorrection.agency_id, agency))
        .order_by(IntentCorrection.at, IntentCorrection.id))).all()

    def local(at: datetime) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return excel_csv(CSV_HEADER, (
        [local(c.at), m.id, local(m.received_at), m.body, c.from_intent, c.to_intent, c.decided_by,
         m.sentiment, (u.full_name or u.email) if u else ""]
        for c, m, u in rows))
