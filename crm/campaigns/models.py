"""Campaign tables: the campaign and its outbox, one row per recipient phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models import utc_field


class Category:
    OUTAGE = "outage"
    WORKS = "works"
    REQUEST_FOLLOWUP = "request_followup"
    RENT_REMINDER = "rent_reminder"
    INFORMATION = "information"
    ALL = (OUTAGE, WORKS, REQUEST_FOLLOWUP, RENT_REMINDER, INFORMATION)
    # Alerts may go at any hour when urgent; the others wait for allowed sending hours.
    ALERTS = (OUTAGE, WORKS, REQUEST_FOLLOWUP)
    # Replies saying "still broken" are counted for these (the outage banner).
    PERSISTING = (OUTAGE, WORKS)


# Campaign kinds holding one SMS to one tenant, whose "template" is that SMS's own text:
# an adviser's direct SMS, and a request's status SMS (``crm/requests/notify.py``).
ONE_TO_ONE_KINDS = ("direct", "request")


class CampaignStatus:
    DRAFT = "draft"
    # Launched, its outbox rows being written in chunks (campaigns/preparation.py):
    # nothing of it is sent until it moves on to scheduled or sending.
    PREPARING = "preparing"
    SCHEDULED = "scheduled"  # launched, send_at in the future
    SENDING = "sending"  # outbox rows being dispatched
    DONE = "done"  # nothing left pending
    CANCELLED = "cancelled"


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # "direct": one SMS to one tenant (adviser, inbox reply); kept as a campaign so that the
    # outbox, delivery tracking and threading work the same way.
    kind: str = Field(default="campaign", max_length=10)  # campaign | direct
    category: str = Field(max_length=20)
    urgent: bool = False
    body: str  # the template, with {{ placeholders }}
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    # The preset the wizard started from (templates/sms/<preset>.txt), and whether the
    # message is about a lift: reduced-mobility tenants are then listed to be called.
    preset: str | None = Field(default=None, max_length=40)
    lift: bool = False
    # Write placeholder values without the accents GSM-7 lacks ("La Chenaie"): the manager's
    # choice when a residence or tenant name would turn every message UCS-2.
    plain_values: bool = False
    send_at: datetime | None = utc_field()
    status: str = Field(default=CampaignStatus.DRAFT, max_length=20, index=True)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(nullable=False)
    launched_at: datetime | None = utc_field()
    launched_by: int | None = Field(default=None, foreign_key="user.id")


class OutboxStatus:
    PENDING = "pending"  # waiting (next_try_at says when)
    SENDING = "sending"  # claimed, provider call in flight
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"  # the handset got it (status callback)
    UNDELIVERED = "undelivered"  # the carrier could not deliver (callback)
    FAILED = "failed"  # refused for good (code and reason)
    UNKNOWN = "unknown"  # the provider may or may not have it (crash, no answer): asked, not re-sent blindly
    CANCELLED = "cancelled"  # cancelled before being handed over
    # Order used so that a status callback never moves a message backwards.
    RANK = {PENDING: 0, SENDING: 1, UNKNOWN: 2, SENT: 3, UNDELIVERED: 4, FAILED: 4, DELIVERED: 5,
            CANCELLED: 0}


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("campaign_id", "e164"),
        Index("ix_outbox_status_next_try", "status", "next_try_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    e164: str = Field(max_length=20, index=True)
    body: str  # rendered text
    segments: int = 1
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    attempts: int = 0
    next_try_at: datetime | None = utc_field()
    provider_sid: str | None = Field(default=None, max_length=64, unique=True)
    error_code: int | None = None
    error_reason: str | None = Field(default=None, max_length=255)
    created_at: datetime = utc_field(nullable=False)
    sent_at: datetime | None = utc_field()
    delivered_at: datetime | None = utc_field()
    updated_at: datetime | None = utc_field()
    # Set when the reconciliation asked the provider about this message and settled it.
    reconciled_at: datetime | None = utc_field()
    # Sent again once after the provider surely did not have it: never a third time.
    resent: bool = False


class EarlyDeliveryReport(SQLModel, table=True):
    """A delivery report that came before its message's provider id was recorded (the
    outbox writes ids in batches just after the provider answers). Applied when the id is
    recorded; forgotten after a while (a report for a message that is not ours)."""

    __tablename__ = "early_delivery_report"
    sid: str = Field(primary_key=True, max_length=64)
    status: str = Field(max_length=12)
    error_code: int | None = None
    received_at: datetime = utc_field(nullable=False, index=True)


class SmsRateBucket(SQLModel, table=True):
    """The sender's token bucket shared by every process on PostgreSQL
    (``crm/campaigns/shared_ratelimit.py``): ``CRM_SMS_RATE`` is a total, not per process.
    One row per sender; ``tokens`` may go below zero (a long message's debt)."""

    __tablename__ = "sms_rate_bucket"
    name: str = Field(primary_key=True, max_length=40)
    tokens: float = 0.0
    updated_at: datetime = utc_field(nullable=False)
