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
    # Which rule or signal decided the intent (crm.inbox.understanding), shown on hover.
    decided_by: str = Field(default="", max_length=160)
    # "opt_out" / "opt_in" when the reply may be one but is not clear (crm.inbox.replies.objections):
    # an adviser answers "désinscrire" (accepted) or "non" (dismissed).
    review: str | None = Field(default=None, max_length=10)
    review_outcome: str | None = Field(default=None, max_length=10)
    review_by: int | None = Field(default=None, foreign_key="user.id")
    review_at: datetime | None = utc_field()
    # The adviser who deals with this conversation (assigned from the inbox), if any.
    assigned_to: int | None = Field(default=None, foreign_key="user.id", index=True)


class ReplyTemplate(SQLModel, table=True):
    """A ready-made answer an agency's advisers pick in the inbox ("Votre demande est
    transmise au gardien..."); managed per agency by its manager."""

    __tablename__ = "reply_template"
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    title: str = Field(max_length=80)
    body: str = Field(max_length=1600)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(nullable=False)
