"""Threading an incoming SMS: who wrote (the household behind the number) and what they are
answering (the latest SMS sent to the number, its campaign and agency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, or_, select
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


@cache
def _thread_statement() -> Select[Any]:
    """Everything ``thread_for`` needs in one round trip, built once (its cache key is
    memoized with it): the latest SMS that went to the number, the latest campaign one, the
    best lease of the households behind the number, the agency of the household the SMS
    went to and the campaign's agency. Uncorrelated scalar subqueries: both databases
    evaluate each once."""
    o, c, lease, phone = (OutboxMessage.__table__, Campaign.__table__, Lease.__table__,
                          Phone.__table__)
    e164, since, today = (bindparam("e164", type_=o.c.e164.type),
                          bindparam("since", type_=o.c.sent_at.type),
                          bindparam("today", type_=lease.c.lease_start.type))
    went_at = func.coalesce(o.c.sent_at, o.c.created_at)
    went = (o.c.e164 == e164, o.c.status.in_(WENT_OUT), went_at >= since)
    newest = (went_at.desc(), o.c.id.desc())

    def last(column: Any) -> Any:
        return select(column).where(*went).order_by(*newest).limit(1).scalar_subquery()

    last_campaign, last_tenant = last(o.c.campaign_id), last(o.c.tenant_id)
    topic = (select(o.c.campaign_id).join(c, c.c.id == o.c.campaign_id)
             .where(*went, c.c.kind == "campaign").order_by(*newest).limit(1).scalar_subquery())
    active = or_(lease.c.lease_end.is_(None), lease.c.lease_end >= today)

    def best_lease(column: Any) -> Any:
        # Several households may share one number: the active lease that started last wins.
        return (select(column).join(phone, phone.c.tenant_id == lease.c.tenant_id)
                .where(phone.c.e164 == e164)
                .order_by(case((active, 1), else_=0).desc(), lease.c.lease_start.desc(),
                          lease.c.id.desc())
                .limit(1).scalar_subquery())

    return select(
        last(o.c.id).label("outbox_id"),
        last_campaign.label("last_campaign"),
        last_tenant.label("last_tenant"),
        topic.label("topic_campaign"),
        best_lease(lease.c.tenant_id).label("lease_tenant"),
        best_lease(lease.c.agency_id).label("lease_agency"),
        select(phone.c.tenant_id).where(phone.c.e164 == e164).limit(1).scalar_subquery()
        .label("phone_tenant"),
        select(lease.c.agency_id).where(lease.c.tenant_id == last_tenant)
        .order_by(lease.c.lease_start.desc(), lease.c.id.desc()).limit(1).scalar_subquery()
        .label("last_tenant_agency"),
        select(c.c.agency_id).where(c.c.id == func.coalesce(topic, last_campaign))
        .scalar_subquery().label("campaign_agency"),
    )


async def thread_for(session: AsyncSession, e164: str, now: datetime, today: date) -> Thread:
    """Who wrote, and what they are answering (campaign, outbox message, agency): one query."""
    conn = await session.connection()
    row = (await conn.execute(_thread_statement(), {
        "e164": e164, "since": now - timedelta(days=THREAD_DAYS), "today": today})).one()
    if row.lease_tenant is not None:
        tenant_id, agency_id = row.lease_tenant, row.lease_agency
    else:
        tenant_id, agency_id = row.phone_tenant, None
    campaign_id = None
    if row.outbox_id is not None:
        # The topic is the latest real campaign (the outage), even when an adviser's direct
        # answer came in between: "toujours pas d'eau" after that answer still counts for it.
        campaign_id = row.topic_campaign if row.topic_campaign is not None else row.last_campaign
        if row.last_tenant is not None:
            # The outbox row names the household the message was meant for.
            if row.last_tenant != tenant_id:
                agency_id = row.last_tenant_agency
            tenant_id = row.last_tenant
        if row.campaign_agency is not None:
            agency_id = row.campaign_agency
    return Thread(tenant_id, agency_id, campaign_id, row.outbox_id)
