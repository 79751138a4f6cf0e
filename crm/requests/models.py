"""Request tables: the request, its steps, the status SMS sent for it, the SMS templates.

``request_message`` is unique per (request, step): the key that makes "never twice for the
same step" hold even when two pushes of the same step race each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models import utc_field
from crm.requests import steps


class RequestSource:
    CALL = "call"  # opened during a courtesy call (the former follow-ups)
    PAGE = "page"  # an adviser, from the tenant page or the "Demandes" page
    INBOX = "inbox"  # from an SMS the tenant sent
    API = "api"  # POST /api/v1/requests
    PUSH = "push"  # the landlord's request software, PUT by reference


class TenantRequest(SQLModel, table=True):
    """One tenant's technical or administrative demand."""

    __tablename__ = "tenant_request"
    __table_args__ = (
        # Late requests: open steps past their due time, soonest first, for one agency or
        # all; the count runs on the index alone.
        Index("ix_tenant_request_agency_status_due", "agency_id", "status", "due_at"),
        Index("ix_tenant_request_status_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    kind: str = Field(max_length=20)  # technical | administrative
    category: str = Field(max_length=60)
    description: str = ""
    urgency: str = Field(default="U3", max_length=2)  # U1 | U2 | U3
    status: str = Field(default=steps.REGISTERED, max_length=12)
    # The landlord's own reference (its request software); the key of the push by reference.
    external_ref: str | None = Field(default=None, max_length=80, unique=True)
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    source: str = Field(default=RequestSource.PAGE, max_length=10)
    interview_id: int | None = Field(default=None, foreign_key="interview.id", index=True)
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_message.id")
    registered_at: datetime = utc_field(nullable=False)
    due_at: datetime = utc_field(nullable=False)
    appointment_at: datetime | None = utc_field()
    done_at: datetime | None = utc_field()  # the first time it was done (time to done)
    closed_at: datetime | None = utc_field()
    # The tenant said it is not fixed after "done": shown to the owner until they look.
    reopened_alert_at: datetime | None = utc_field()
    satisfaction: int | None = None  # 1..4 from the SMS question
    satisfaction_at: datetime | None = utc_field()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = utc_field(nullable=False)

    @property
    def notify(self) -> bool:
        """Whether the tenant hears about the steps by SMS (never for neighbour disputes)."""
        return not steps.is_silent(self.category)

    def is_late(self, now: datetime) -> bool:
        return self.status in steps.OPEN and self.due_at < now


class RequestStep(SQLModel, table=True):
    """One step reached: who moved it, when, with which note (and appointment)."""

    __tablename__ = "request_step"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="tenant_request.id", index=True)
    status: str = Field(max_length=12)
    at: datetime = utc_field(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = None
    appointment_at: datetime | None = utc_field()


class MessageSkip:
    OPTED_OUT = "opted_out"  # the number replied STOP
    NO_MOBILE = "no_mobile"  # no valid mobile number
    LABELS = {OPTED_OUT: "non envoyé : le locataire a refusé les SMS (STOP)",
              NO_MOBILE: "non envoyé : pas de numéro de mobile"}


class RequestMessage(SQLModel, table=True):
    """The SMS owed for one step of a request (``step`` = a status, or ``satisfaction``
    for the question after closing). Written before the outbox row, in the same transaction."""

    __tablename__ = "request_message"
    __table_args__ = (UniqueConstraint("request_id", "step", name="uq_request_message_step"),)
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="tenant_request.id", index=True)
    step: str = Field(max_length=12)
    outbox_message_id: int | None = Field(default=None, foreign_key="outbox_message.id", index=True)
    skipped: str | None = Field(default=None, max_length=12)  # MessageSkip
    created_at: datetime = utc_field(nullable=False)


class RequestSmsTemplate(SQLModel, table=True):
    """The text the admin set for one step (defaults in ``crm/requests/sms_templates.py``)."""

    __tablename__ = "request_sms_template"
    step: str = Field(primary_key=True, max_length=12)
    body: str
    enabled: bool = True  # the landlord chooses which steps the tenant hears about
    updated_at: datetime = utc_field(nullable=False)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
