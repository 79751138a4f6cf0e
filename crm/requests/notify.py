"""The SMS a tenant gets for a step of their request, through the campaigns' outbox.

The ``request_message`` row (unique per request and step) is inserted first with
``ON CONFLICT DO NOTHING``: only the transaction that really inserted it writes the outbox
row, so two pushes of the same step at once send one SMS. The outbox then does the rest
(crash safety, rate, retries, delivery reports); the message is non-urgent, so it waits for
the allowed sending hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from crm.calendar import next_sms_sending_time
from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.db import dialect_insert
from crm.requests import sms_templates
from crm.requests.models import MessageSkip, RequestMessage, TenantRequest
from crm.sms.encoding import analyse

CAMPAIGN_KIND = "request"  # kept apart from campaigns and advisers' direct SMS in lists


@dataclass(frozen=True)
class Queued:
    """An outbox row written for a step (the caller commits, then wakes the dispatcher)."""

    outbox_message_id: int


async def _claim_step(session: AsyncSession, request_id: int, step: str, now: datetime) -> int | None:
    """The id of the new ``request_message`` row, or None when that step already has one."""
    table = RequestMessage.__table__
    stmt = (dialect_insert(session)(table)
            .values(request_id=request_id, step=step, created_at=now)
            .on_conflict_do_nothing(index_elements=["request_id", "step"])
            .returning(table.c.id))
    return (await session.execute(stmt)).scalar_one_or_none()


async def notify_step(session: AsyncSession, request: TenantRequest, step: str, *, now: datetime,
                      tz: ZoneInfo, user_id: int | None = None) -> Queued | None:
    """Queue the SMS for ``step`` of ``request`` if the tenant hears about it; None when the
    category is silent, the step is not one the landlord notifies, it was notified already,
    or the tenant cannot receive it (opt-out, no mobile: recorded as skipped)."""
    if not request.notify or request.id is None:
        return None
    body, enabled = (await sms_templates.current_templates(session, cached=True))[step]
    if not enabled:
        return None
    key = await _claim_step(session, request.id, step, now)
    if key is None:
        return None
    message = await session.get(RequestMessage, key)
    assert message is not None
    today = now.astimezone(tz).date()
    scan = AudienceScan(Audience(tenant_ids=[request.tenant_id]), request.agency_id, today)
    recipient = None
    async for batch in scan.chunks(session):
        recipient = recipient or (batch[0] if batch else None)
    if recipient is None:
        message.skipped = (MessageSkip.OPTED_OUT if scan.excluded["opted_out"]
                           else MessageSkip.NO_MOBILE)
        await session.flush()
        return None
    text = sms_templates.render(body, recipient.context, sms_templates.request_variables(request, tz))
    send_at = next_sms_sending_time(now, tz)
    campaign = Campaign(
        name=f"Demande n° {request.id} — {sms_templates.STEP_LABELS[step]}", kind=CAMPAIGN_KIND,
        category=Category.REQUEST_FOLLOWUP, urgent=False, body=text, agency_id=request.agency_id,
        status=CampaignStatus.SENDING, created_by=user_id, created_at=now, launched_at=now,
        launched_by=user_id, send_at=send_at,
    )
    session.add(campaign)
    await session.flush()
    outbox_row = OutboxMessage(
        campaign_id=campaign.id, tenant_id=request.tenant_id, e164=recipient.e164, body=text,
        segments=max(analyse(text).segments, 1), status=OutboxStatus.PENDING,
        next_try_at=send_at, created_at=now,
    )
    session.add(outbox_row)
    await session.flush()
    message.outbox_message_id = outbox_row.id
    await session.flush()
    return Queued(outbox_row.id)


STEPS_WITH_SMS = frozenset(sms_templates.STEPS) - {sms_templates.SATISFACTION}


def sms_step_for(status: str) -> str | None:
    """The SMS key of a status change (``None`` for ``closed``: its SMS is the question)."""
    return status if status in STEPS_WITH_SMS else None

