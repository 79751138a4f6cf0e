"""Inbox tables: the SMS tenants (or unknown numbers) send to the landlord."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm.models import utc_field


class InboundStatus:
    OPEN = "open"
    HANDLED = "handled"


class InboundMessage(SQLModel, table=True):
    """An SMS received from a tenant (or an unknown number). ``provider_sid`` makes replays
    of the same webhook land on the same row."""

    __tablename__ = "inbound_message"
    id: int | None = Field(default=None, primary_key=True)
    provider_sid: str = Field(max_length=64, unique=True)
    from_e164: str = Field(max_length=20, index=True)
    to: str | None = Field(default=None, max_length=32)
    body: str
    received_at: datetime = utc_field(nullable=False, index=True)
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    outbox_message_id: int | None = Field(default=None, foreign_key="outbox_message.id")
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    intent: str = Field(default="other", max_length=20, index=True)
    sentiment: str = Field(default="neutral", max_length=10)
    sentiment_score: float = 0.0
    status: str = Field(default=InboundStatus.OPEN, max_length=10, index=True)
    handled_by: int | None = Field(default=None, foreign_key="user.id")
    handled_at: datetime | None = utc_field()
