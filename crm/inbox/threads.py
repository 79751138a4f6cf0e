"""Threading an incoming SMS: who wrote (the household behind the number) and what they are
answering (the latest SMS sent to the number, its campaign and agency)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, literal_column, or_, select, true

from crm.campaigns.models import Campaign, OutboxMessage, OutboxStatus
from crm.models import Lease, Phone

# A reply is tied to the latest SMS sent to the number within this many days.
THREAD_DAYS = 7

# Statuses meaning the message left for the handset (threading ignores the others).
WENT_OUT = (OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.UNDELIVERED,
             OutboxStatus.SENDING, OutboxStatus.UNKNOWN)


@cache
def _thread_statement() -> Select[Any]:
    """Everything ``thread_select`` needs in one round trip, built once (its cache key is
    memoized with it): the latest SMS that went to the number, the latest campaign one, the
    best lease of the households behind the number, the agency of the household the SMS
    went to and the campaign's agency. Each row sought is read once: the latest SMS, the
    latest campaign SMS and the best lease are one-row derived tables joined to a constant
    row (so that a number nobody wrote to still gives one row), not a scalar subquery per
    column (the webhook's hottest statement: this halves its cost on SQLite)."""
    o, c, lease, phone = (OutboxMessage.__table__, Campaign.__table__, Lease.__table__,
                          Phone.__table__)
    e164, since, today = (bindparam("e164", type_=o.c.e164.type),
                          bindparam("since", type_=o.c.sent_at.type),
                          bindparam("today", type_=lease.c.lease_start.type))
    went_at = func.coalesce(o.c.sent_at, o.c.created_at)
    # The statuses as SQL constants, not an "expanding" parameter: SQLAlchemy would rewrite
    # the statement's text on every execution.
    went = (o.c.e164 == e164, o.c.status.in_([literal_column(f"'{status}'") for status in WENT_OUT]),
            went_at >= since)
    newest = (went_at.desc(), o.c.id.desc())

    last = (select(o.c.id, o.c.campaign_id, o.c.tenant_id).where(*went)
            .order_by(*newest).limit(1).subquery("last_sms"))
    topic = (select(o.c.campaign_id).join(c, c.c.id == o.c.campaign_id)
             .where(*went, c.c.kind == "campaign").order_by(*newest).limit(1)
             .subquery("topic_sms"))
    active = or_(lease.c.lease_end.is_(None), lease.c.lease_end >= today)
    # Several households may share one number: the active lease that started last wins.
    best = (select(lease.c.tenant_id, lease.c.agency_id)
            .join(phone, phone.c.tenant_id == lease.c.tenant_id)
            .where(phone.c.e164 == e164)
            .order_by(case((active, 1), else_=0).desc(), lease.c.lease_start.desc(),
                      lease.c.id.desc())
            .limit(1).subquery("best_lease"))
    one = select(literal_column("1").label("one")).subquery("one_row")
    lease2, c2 = lease.alias("last_lease"), c.alias("topic_campaign")
    return (
        select(
            last.c.id.label("outbox_id"),
            last.c.campaign_id.label("last_campaign"),
            last.c.tenant_id.label("last_tenant"),
            topic.c.campaign_id.label("topic_campaign"),
            best.c.tenant_id.label("lease_tenant"),
            best.c.agency_id.label("lease_agency"),
            select(phone.c.tenant_id).where(phone.c.e164 == e164).limit(1)
            .correlate(None).scalar_subquery().label("phone_tenant"),
            select(lease2.c.agency_id).where(lease2.c.tenant_id == last.c.tenant_id)
            .order_by(lease2.c.lease_start.desc(), lease2.c.id.desc()).limit(1)
            .correlate(last).scalar_subquery().label("last_tenant_agency"),
            select(c2.c.agency_id)
            .where(c2.c.id == func.coalesce(topic.c.campaign_id, last.c.campaign_id))
            .correlate(last, topic).scalar_subquery().label("campaign_agency"),
        )
        .select_from(one)
        .outerjoin(last, true())
        .outerjoin(topic, true())
        .outerjoin(best, true())
    )


@cache
def thread_select() -> Select[Any]:
    """The thread of an incoming SMS as one row of four columns (``tenant_id``,
    ``agency_id``, ``campaign_id``, ``outbox_message_id``), for the inbox's INSERT … SELECT
    (parameters ``e164``, ``since`` = now - THREAD_DAYS, ``today``). The rules, in SQL:

    - the household is the one whose active lease started last among those behind the
      number (its lease's agency), else the number's household (no agency);
    - when an SMS went to the number within THREAD_DAYS, the latest one is answered: its
      topic is the latest real campaign (the outage), even when an adviser's direct answer
      came in between ("toujours pas d'eau" after that answer still counts for it), else
      the latest SMS's campaign; the household is the one that SMS was meant for (with the
      agency of its latest lease when it is another household), and the campaign's agency,
      when it has one, wins."""
    t = _thread_statement().subquery("thread")
    # NULL-safe "the SMS went to another household than the lease says".
    other_household = and_(t.c.last_tenant.is_not(None),
                           or_(t.c.lease_tenant.is_(None) & t.c.phone_tenant.is_(None),
                               t.c.last_tenant != func.coalesce(t.c.lease_tenant, t.c.phone_tenant)))
    return select(
        func.coalesce(t.c.last_tenant, t.c.lease_tenant, t.c.phone_tenant).label("tenant_id"),
        func.coalesce(t.c.campaign_agency,
                      case((other_household, t.c.last_tenant_agency), else_=t.c.lease_agency))
        .label("agency_id"),
        func.coalesce(t.c.topic_campaign, t.c.last_campaign).label("campaign_id"),
        t.c.outbox_id.label("outbox_message_id"),
    ).select_from(t)


def thread_params(e164: str, now: datetime, today: date) -> dict[str, Any]:
    return {"e164": e164, "since": now - timedelta(days=THREAD_DAYS), "today": today}
