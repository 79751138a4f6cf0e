"""Shared tables: the estate, tenants and their leases and phones, opt-outs, users, audit.

Feature tables live beside their feature (``crm/calls/models.py``, ``crm/campaigns/models.py``,
``crm/sms/models.py``, ``crm/surveys/models.py``); ``crm/schema.py`` gathers them all.
Unique constraints carry idempotency: re-imports land on keys that already exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.db import UTCDateTime


def utc_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    code: str | None = Field(default=None, max_length=40, unique=True)
    phone: str | None = Field(default=None, max_length=32)  # shown in SMS as agency_phone
    # French département ("41", "57"...): Alsace-Moselle (57, 67, 68) has two extra holidays.
    department: str | None = Field(default=None, max_length=3)


class LocalOffice(SQLModel, table=True):
    __tablename__ = "local_office"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=120)


class Residence(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("agency_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    local_office_id: int | None = Field(default=None, foreign_key="local_office.id")
    name: str = Field(max_length=160)
    postcode: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=120)


class Building(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("residence_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    residence_id: int = Field(foreign_key="residence.id", index=True)
    name: str = Field(max_length=60)


class Entrance(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("building_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    building_id: int = Field(foreign_key="building.id", index=True)
    name: str = Field(max_length=60)


class Tenant(SQLModel, table=True):
    """A household. One household may hold several leases over time."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_ref: str | None = Field(default=None, max_length=60, unique=True)
    civility: str | None = Field(default=None, max_length=20)
    first_name: str | None = Field(default=None, max_length=120)
    last_name: str = Field(max_length=120, index=True)
    email: str | None = Field(default=None, max_length=254)
    reduced_mobility: bool = False
    created_at: datetime = utc_field(nullable=False)
    updated_at: datetime = utc_field(nullable=False)
    anonymized_at: datetime | None = utc_field()

    @property
    def display_name(self) -> str:
        parts = [self.civility, self.first_name, self.last_name]
        return " ".join(p for p in parts if p)


class Lease(SQLModel, table=True):
    """A rental contract; ``contract_ref`` is the import key. Active = no end or end >= today."""

    id: int | None = Field(default=None, primary_key=True)
    contract_ref: str = Field(max_length=60, unique=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    local_office_id: int | None = Field(default=None, foreign_key="local_office.id", index=True)
    residence_id: int = Field(foreign_key="residence.id", index=True)
    building_id: int | None = Field(default=None, foreign_key="building.id", index=True)
    entrance_id: int | None = Field(default=None, foreign_key="entrance.id", index=True)
    floor: str | None = Field(default=None, max_length=20)
    dwelling_ref: str | None = Field(default=None, max_length=60)
    address: str | None = Field(default=None, max_length=255)
    postcode: str | None = Field(default=None, max_length=10)
    city: str | None = Field(default=None, max_length=120)
    lease_start: date = Field(index=True)
    lease_end: date | None = Field(default=None, index=True)
    # Euro cents (import column ``monthly_rent``): rent rebates are a percentage of it.
    monthly_rent_cents: int | None = None
    created_at: datetime = utc_field(nullable=False)
    updated_at: datetime = utc_field(nullable=False)


class LeaseChange(SQLModel, table=True):
    """History of a lease changed by a re-import: what changed, from what, to what."""

    __tablename__ = "lease_change"
    id: int | None = Field(default=None, primary_key=True)
    lease_id: int = Field(foreign_key="lease.id", index=True)
    at: datetime = utc_field(nullable=False)
    source: str = Field(default="import", max_length=40)
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PhoneKind:
    MOBILE = "mobile"  # can receive SMS
    LANDLINE = "landline"  # calls only
    OTHER = "other"  # VoIP, special numbers: calls only


class Phone(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "e164"),)
    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    e164: str = Field(max_length=20, index=True)
    kind: str = Field(max_length=10)  # PhoneKind
    valid: bool = True  # false once an operator said the number does not work
    source: str = Field(default="import", max_length=20)
    created_at: datetime = utc_field(nullable=False)


class OptOutSource:
    SMS = "sms"  # the tenant replied STOP / START
    SMS_SENTENCE = "sms_sentence"  # the tenant objected (or opted in) in a sentence: the note holds it
    IMPORT = "import"  # "refus SMS" column of the landlord's file
    ADVISER = "adviser"  # recorded by an adviser on the phone
    TWILIO_21610 = "twilio_21610"  # Twilio refused to send: the number opted out at carrier level


class OptOutEvent(SQLModel, table=True):
    """Every opt-out change with date and source; the current state is the latest event."""

    __tablename__ = "opt_out_event"
    __table_args__ = (Index("ix_opt_out_event_e164_at", "e164", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    e164: str = Field(max_length=20)
    opted_out: bool
    at: datetime = utc_field(nullable=False)
    source: str = Field(max_length=20)
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = Field(default=None, max_length=255)


class Role:
    ADMIN = "admin"  # everything, every agency, imports and users
    MANAGER = "manager"  # adviser + campaigns, own agency
    ADVISER = "adviser"  # call queue, inbox, one SMS to one tenant, own agency
    ALL = (ADMIN, MANAGER, ADVISER)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=10)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    full_name: str | None = Field(default=None, max_length=120)
    active: bool = True
    created_at: datetime = utc_field(nullable=False)


class ApiToken(SQLModel, table=True):
    """A bearer token (API) or a page session; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(default="api", max_length=10)  # api | session
    created_at: datetime = utc_field(nullable=False)
    expires_at: datetime = utc_field(nullable=False)
    last_used_at: datetime | None = utc_field()


class AuditEvent(SQLModel, table=True):
    """Who did what, when: logins, failed logins, imports, exports, launches, purges."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_action_at", "action", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_field(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=60)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=60)
    subject: str | None = Field(default=None, max_length=254, index=True)  # e.g. login email
    ip: str | None = Field(default=None, max_length=64)
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
