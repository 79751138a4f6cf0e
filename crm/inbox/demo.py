"""Demo replies: tenants answering the demo campaigns the way tenants do (thanks, "toujours
pas d'eau", questions, a few STOP), understood and filed like real ones."""

from __future__ import annotations

import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm import hooks
from crm.campaigns.models import Campaign, Category, OutboxMessage, OutboxStatus
from crm.clock import Clock
from crm.db import Database
from crm.inbox.inbound import HANDLED_INTENTS
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import Intent, understand
from crm.models import OptOutSource
from crm.tenants.optouts import record_opt_change

PARIS = ZoneInfo("Europe/Paris")  # the demo's landlord, as in the other demos

COMMON_OUTAGE_REPLIES = [
    "Merci pour l'information", "Merci de nous avoir prévenus 👍", "ok merci", "Rappelez-moi svp",
    "Pouvez-vous me rappeler, j'ai un bébé", "STOP", "Bien reçu", "C'est prévu pour quand la réparation ?",
]
# Replies that fit the campaign's preset, so a demo conversation reads true.
OUTAGE_REPLIES = {
    "lift_outage": ["L'ascenseur est encore en panne", "Toujours en panne ce matin, ma mère ne peut pas descendre",
                    "Ça remarche 👍", "Il remarche depuis midi merci", "Ça concerne aussi l'ascenseur du C ?"],
    "water_cut": ["Toujours pas d'eau au bâtiment B !!", "tjrs pas d'eau chaude", "L'eau est revenue merci",
                  "A quelle heure revient l'eau ?", "Est-ce que ça concerne aussi l'entrée 2 ?"],
}
OTHER_REPLIES = [
    "Merci", "ok", "J'ai payé hier", "Je passe à l'agence lundi", "Pourquoi ce message ?",
    "Merci de me rappeler pour un échéancier", "STOP", "Comment payer en ligne ?",
]
REPLY_RATE = 0.12  # about one tenant in eight answers an SMS


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    async with db.session() as session:
        campaigns = (await session.scalars(
            select(Campaign).where(Campaign.kind == "campaign").order_by(Campaign.id))).all()
        for campaign in campaigns:
            if campaign.category in (Category.OUTAGE, Category.WORKS):
                pool = COMMON_OUTAGE_REPLIES + OUTAGE_REPLIES.get(campaign.preset or "", [])
            else:
                pool = OTHER_REPLIES
            rows = (await session.scalars(
                select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id,
                                            OutboxMessage.status == OutboxStatus.DELIVERED)
                .order_by(OutboxMessage.id))).all()
            for row in rows:
                if rng.random() > REPLY_RATE or row.sent_at is None:
                    continue
                body = rng.choice(pool)
                at = min(row.sent_at + timedelta(minutes=rng.randint(2, 600)), now)
                meaning = understand(body)
                handled = meaning.intent in HANDLED_INTENTS or at < now - timedelta(days=5)
                session.add(InboundMessage(
                    provider_sid=f"SM{rng.getrandbits(128):032x}", from_e164=row.e164, body=body,
                    received_at=at, tenant_id=row.tenant_id, agency_id=campaign.agency_id,
                    outbox_message_id=row.id, campaign_id=campaign.id, intent=meaning.intent,
                    sentiment=meaning.sentiment, sentiment_score=meaning.score,
                    decided_by=meaning.decided_by[:160],
                    status=InboundStatus.HANDLED if handled else InboundStatus.OPEN,
                    handled_at=at if handled else None))
                if meaning.intent == Intent.OPT_OUT:
                    await record_opt_change(session, row.e164, opted_out=True, at=at,
                                            source=OptOutSource.SMS, tenant_id=row.tenant_id,
                                            note="Réponse « STOP »")
                if meaning.intent == Intent.CALLBACK_REQUEST and not handled and row.tenant_id:
                    # As the webhook does: a "rappelez-moi" still open puts a call at the
                    # top of today's queue (crm.hooks.CALLBACK_REQUESTED).
                    for react in hooks.CALLBACK_REQUESTED.handlers():
                        await react(session, tenant_id=row.tenant_id, at=now, tz=PARIS)
        await session.commit()
