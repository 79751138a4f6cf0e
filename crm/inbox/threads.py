"""Threading an incoming SMS: who wrote (the household behind the number) and what they are
answering (the latest SMS sent to the number, its campaign and agency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.models import Campaign, OutboxMessage, OutboxStatus
from crm.models import Lease, Phone

# A reply is tied to the latest SMS sent to the number within this many days.
THREAD_DAYS = 7

# Statuses meaning the message left for the handset (threading ignores the others).
WENT_OUT = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.UNDELIVERED,
             OutboxStatus.SENDING, OutboxStatus.UNKNOWN)


@dataclass(frozen=True)
class Thread:
    tenant_id: int | None
    agency_id: int | None
    campaign_id: int | None
    outbox_message_id: int | None


async def latest_outbound(session: AsyncSession, e164: str, now: datetime, *,
                          campaigns_only: bool = False) -> OutboxMessage | None:
    """The latest SMS that went to ``e164`` in the last THREAD_DAYS days (only campaign
    messages, not an adviser's direct SMS, with ``campaigns_only``)."""
    since = now - timedelta(days=THREAD_DAYS)
    went_at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at)
    stmt = (select(OutboxMessage)
            .where(OutboxMessage.e164 == e164, OutboxMessage.status.in_(WENT_OUT), went_at >= since)
            .order_by(went_at.desc(), OutboxMessage.id.desc())
            .limit(1))
    if campaigns_only:
        stmt = stmt.join(Campaign, Campaign.id == OutboxMessage.campaign_id).where(
            Campaign.kind == "campaign")
    return (await session.scalars(stmt)).first()


async def tenant_for_number(session: AsyncSession, e164: str, today: date) -> tuple[int | None, int | None]:
    """(tenant_id, agency_id) for a number. Several households may share one number (a
    parent and a grown-up child, a couple with two leases): the one with an active lease that
    started last wins, then the latest lease of anyone."""
    rows = (await session.execute(
        select(Lease.tenant_id, Lease.agency_id, Lease.lease_start, Lease.lease_end)
        .join(Phone, Phone.tenant_id == Lease.tenant_id)
        .where(Phone.e164 == e164)
    )).all()
    if not rows:
        only = await session.scalar(select(Phone.tenant_id).where(Phone.e164 == e164).limit(1))
        return only, None

    def rank(row: Any) -> tuple[bool, date]:
        active = row.lease_end is None or row.lease_end >= today
        return active, row.lease_start

    best = max(rows, key=rank)
    return best.tenant_id, best.agency_id


async def agency_of_tenant(session: AsyncSession, tenant_id: int) -> int | None:
    return await session.scalar(
        select(Lease.agency_id).where(Lease.tenant_id == tenant_id)
        .order_by(Lease.lease_start.desc(), Lease.id.desc()).limit(1)
    )


async def thread_for(session: AsyncSession, e164: str, now: datetime, today: date) -> Thread:
    """Who wrote, and what they are answering (campaign, outbox message, agency)."""
    last = await latest_outbound(session, e164, now)
    tenant_id, agency_id = await tenant_for_number(session, e164, today)
    campaign_id = outbox_id = None
    if last is not None:
        outbox_id = last.id
        # The topic is the latest real campaign (the outage), even when an adviser's direct
        # answer came in between: "toujours pas d'eau" after that answer still counts for it.
        topic = await latest_outbound(session, e164, now, campaigns_only=True)
        campaign_id = topic.campaign_id if topic is not None else last.campaign_id
        if last.tenant_id is not None:
            # The outbox row names the household the message was meant for.
            if last.tenant_id != tenant_id:
                agency_id = await agency_of_tenant(session, last.tenant_id)
            tenant_id = last.tenant_id
        campaign_agency = await session.scalar(
            select(Campaign.agency_id).where(Campaign.id == campaign_id))
        if campaign_agency is not None:
            agency_id = campaign_agency
    return Thread(tenant_id, agency_id, campaign_id, outbox_id)
