"""One SMS to one person (an adviser's message, a reply from the inbox), through the outbox.

It is kept as a one-row campaign (``kind="direct"``) so delivery tracking, retries, replies
threading and the crash rules are the same as for campaigns.
"""

from __future__ import annotations

from aiohttp import web

from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.errors import Invalid
from crm.keys import CLOCK, DB
from crm.sms.encoding import MAX_CHARACTERS, analyse
from crm.tenants.optouts import is_opted_out


async def send_direct_sms(
    app: web.Application,
    *,
    tenant_id: int | None,
    e164: str,
    body: str,
    user_id: int | None,
    agency_id: int | None,
    category: str = Category.INFORMATION,
) -> OutboxMessage:
    """Queue one SMS to ``e164`` now and wake the dispatcher; return its outbox row."""
    body = body.strip()
    if not body:
        raise Invalid("Le message est vide.", code="empty_body")
    if len(body) > MAX_CHARACTERS:
        raise Invalid(f"Le message dépasse {MAX_CHARACTERS} caractères.", code="body_too_long")
    if category not in Category.ALL:
        raise Invalid("Catégorie de message inconnue.", code="invalid_category")
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        if await is_opted_out(session, e164):
            raise Invalid("Ce numéro a demandé l'arrêt des SMS (STOP) : aucun message ne "
                          "peut lui être envoyé.", code="opted_out")
        campaign = Campaign(
            name=f"SMS direct {e164}", kind="direct", category=category, urgent=True,
            body=body, agency_id=agency_id, status=CampaignStatus.SENDING,
            created_by=user_id, created_at=now, launched_at=now, launched_by=user_id,
            send_at=now,
        )
        session.add(campaign)
        await session.flush()
        message = OutboxMessage(
            campaign_id=campaign.id, tenant_id=tenant_id, e164=e164, body=body,
            segments=max(analyse(body).segments, 1), status=OutboxStatus.PENDING,
            next_try_at=now, created_at=now,
        )
        session.add(message)
        await session.commit()
    app[DISPATCHER].wake()
    return message
