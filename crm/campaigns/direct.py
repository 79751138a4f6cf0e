"""One SMS to one person (an adviser's message, a reply from the inbox), through the outbox.

It is kept as a one-row campaign (``kind="direct"``) so delivery tracking, retries, replies
threading and the crash rules are the same as for campaigns.

Sending hours: a direct SMS follows RULES.md like any other message (``crm.campaigns.rules``).
By default it is general information, not urgent: written outside Monday-Saturday 08:00-20:00
(or on a public holiday) it waits for the next allowed minute, as a scheduled one-row
campaign, and the answer says when it leaves. Only an alert (outage, works, request
follow-up) sent with ``urgent=True`` goes at any hour. RULES.md names no exception for
one-to-one messages, and a person asleep is woken by an adviser's SMS as much as by a
campaign's.
"""

from __future__ import annotations

from aiohttp import web

from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.campaigns.preview import MAX_SEGMENTS
from crm.campaigns.rules import decide_urgent, first_send_at
from crm.errors import Invalid
from crm.keys import CLOCK, DB, SETTINGS
from crm.sms.encoding import MAX_CHARACTERS, analyse
from crm.tenants.optouts import is_opted_out

# The one confirmation of an opt-out recorded by an adviser (RULES.md: "confirmed once"): the
# only message that may still reach the number, so the dispatcher lets this kind through.
CONFIRMATION_KIND = "confirm"


async def send_direct_sms(
    app: web.Application,
    *,
    tenant_id: int | None,
    e164: str,
    body: str,
    user_id: int | None,
    agency_id: int | None,
    category: str = Category.INFORMATION,
    opt_out_confirmation: bool = False,
    urgent: bool = False,
) -> OutboxMessage:
    """Queue one SMS to ``e164`` for now, or for the next allowed minute outside the sending
    hours, and wake the dispatcher; return its outbox row (``next_try_at``: when it leaves)."""
    body = body.strip()
    if not body:
        raise Invalid("Le message est vide.", code="empty_body")
    if len(body) > MAX_CHARACTERS:
        raise Invalid(f"Le message dépasse {MAX_CHARACTERS} caractères.", code="body_too_long")
    if analyse(body).segments > MAX_SEGMENTS:
        raise Invalid(f"Le message dépasse {MAX_SEGMENTS} segments.", code="message_too_long")
    if category not in Category.ALL:
        raise Invalid("Catégorie de message inconnue.", code="invalid_category")
    urgent = decide_urgent(category, urgent)
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        if not opt_out_confirmation and await is_opted_out(session, e164):
            raise Invalid("Ce numéro a demandé l'arrêt des SMS (STOP) : aucun message ne "
                          "peut lui être envoyé.", code="opted_out")
        campaign = Campaign(
            name=f"SMS direct {e164}", kind=CONFIRMATION_KIND if opt_out_confirmation else "direct",
            category=category, urgent=urgent,
            body=body, agency_id=agency_id, created_by=user_id, created_at=now, launched_at=now,
            launched_by=user_id,
        )
        # The confirmation of an opt-out answers the tenant's own message: it goes at once.
        first = now if opt_out_confirmation else first_send_at(campaign, now, app[SETTINGS].tz)
        campaign.send_at = first
        # Like a launch: "scheduled" until the release job moves it to "sending" at that time.
        campaign.status = CampaignStatus.SCHEDULED if first > now else CampaignStatus.SENDING
        session.add(campaign)
        await session.flush()
        message = OutboxMessage(
            campaign_id=campaign.id, tenant_id=tenant_id, e164=e164, body=body,
            segments=max(analyse(body).segments, 1), status=OutboxStatus.PENDING,
            next_try_at=first, created_at=now,
        )
        session.add(message)
        await session.commit()
    app[DISPATCHER].wake()
    return message
