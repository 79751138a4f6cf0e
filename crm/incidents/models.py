"""Incident tables: the incident, its households (taken when it starts), its timeline, the
campaigns sent about it, the contacts it caused, the commitments it triggers and their
settings, rent rebates, and the reduced-mobility help plan.

Unique constraints carry the commitment job's idempotency: one commitment per incident and
kind, one rebate per lease and incident, one tick per household, day and slot.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models import utc_field


class IncidentKind:
    LIFT = "lift"
    HEATING = "heating"  # collective heating
    HOT_WATER = "hot_water"
    WATER = "water"
    POWER = "power"
    CLEANING = "cleaning"  # common areas not cleaned
    ACCESS = "access"  # door, intercom
    OTHER = "other"
    ALL = (LIFT, HEATING, HOT_WATER, WATER, POWER, CLEANING, ACCESS, OTHER)


class IncidentStatus:
    PLANNED = "planned"  # announced, not started yet
    OPEN = "open"  # the service is down
    RESOLVED = "resolved"  # the service is back
    ALL = (PLANNED, OPEN, RESOLVED)


class Incident(SQLModel, table=True):
    __table_args__ = (Index("ix_incident_agency_status", "agency_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    kind: str = Field(max_length=12)  # IncidentKind
    planned: bool = False  # a stop announced in advance (works)
    status: str = Field(default=IncidentStatus.OPEN, max_length=10, index=True)
    title: str = Field(max_length=200)
    description: str | None = None
    # {residences: [id], buildings: [id], entrances: [id]}
    scope: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    starts_at: datetime = utc_field(nullable=False, index=True)
    expected_end_at: datetime | None = utc_field()
    resolved_at: datetime | None = utc_field()
    referent_name: str | None = Field(default=None, max_length=120)
    referent_phone: str | None = Field(default=None, max_length=32)
    # Why a planned stop was announced less than 8 days ahead (kept for the record).
    short_notice_reason: str | None = Field(default=None, max_length=500)
    # When the households were last taken from the estate (declaration, then start).
    households_taken_at: datetime | None = utc_field()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = utc_field(nullable=False)
    updated_at: datetime = utc_field(nullable=False)


class IncidentHousehold(SQLModel, table=True):
    """An active lease in the scope when the incident starts; floor and reduced mobility
    are copied so that commitments stay what they were when the lift stopped."""

    __tablename__ = "incident_household"
    __table_args__ = (UniqueConstraint("incident_id", "lease_id", name="uq_incident_household"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    lease_id: int = Field(foreign_key="lease.id", index=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    floor: str | None = Field(default=None, max_length=20)
    reduced_mobility: bool = False
    # Floor 1 and above, or unknown: the households a lift outage leaves without a lift.
    upper_floor: bool = True
    # Reduced mobility, planned stops: the call before the stop and what it found out.
    call_task_id: int | None = Field(default=None, foreign_key="call_task.id")
    help_needs: str | None = Field(default=None, max_length=500)
    help_slots: str | None = Field(default=None, max_length=10)  # morning | afternoon | both | none


class IncidentEvent(SQLModel, table=True):
    """One line of the incident's own timeline: declared, update, notified, resolved..."""

    __tablename__ = "incident_event"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    at: datetime = utc_field(nullable=False)
    kind: str = Field(max_length=20)
    message: str
    user_id: int | None = Field(default=None, foreign_key="user.id")


class IncidentCampaign(SQLModel, table=True):
    """A campaign sent about an incident; replies threaded to it belong to the incident."""

    __tablename__ = "incident_campaign"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", unique=True)
    purpose: str = Field(max_length=12)  # notice | reminder | update | resolved | commitment


class ReportChannel:
    PHONE = "phone"
    VISIT = "visit"
    SMS = "sms"
    ALL = (PHONE, VISIT, SMS)


class IncidentReport(SQLModel, table=True):
    """A tenant who contacted the agency about the incident (what SMS are meant to make rare)."""

    __tablename__ = "incident_report"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id", index=True)
    channel: str = Field(max_length=8)
    note: str | None = Field(default=None, max_length=1000)
    at: datetime = utc_field(nullable=False)
    user_id: int | None = Field(default=None, foreign_key="user.id")


class CommitmentKind:
    SHOPPING_DELIVERY = "shopping_delivery"
    HEATERS = "heaters"
    RENT_REBATE = "rent_rebate"
    ALL = (SHOPPING_DELIVERY, HEATERS, RENT_REBATE)


class CommitmentStatus:
    UPCOMING = "upcoming"  # the incident is open, the date not reached
    DUE = "due"  # owed to the households
    DONE = "done"  # marked done, with a note
    CANCELLED = "cancelled"  # the service came back before due_on
    ALL = (UPCOMING, DUE, DONE, CANCELLED)


class Commitment(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("incident_id", "kind", name="uq_commitment_incident_kind"),
        Index("ix_commitment_agency_status", "agency_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")  # denormalised for the lists
    kind: str = Field(max_length=20)  # CommitmentKind
    working_days: int  # "beyond N working days"
    due_on: date
    rebate_percent: float | None = None
    status: str = Field(default=CommitmentStatus.UPCOMING, max_length=10)
    created_at: datetime = utc_field(nullable=False)
    done_at: datetime | None = utc_field()
    done_by: int | None = Field(default=None, foreign_key="user.id")
    note: str | None = Field(default=None, max_length=1000)
    # Rent rebates written for every household concerned: the job need not look again.
    rebates_granted_at: datetime | None = utc_field()


class RentRebate(SQLModel, table=True):
    """A rent rebate granted once per lease and incident, in the month it became due."""

    __tablename__ = "rent_rebate"
    __table_args__ = (UniqueConstraint("incident_id", "lease_id", name="uq_rent_rebate_incident_lease"),)
    id: int | None = Field(default=None, primary_key=True)
    # incident_id and agency_id copy the commitment's, in the same INSERT … SELECT: no foreign
    # key of their own (each check cost about 2 s per 100,000 rebates on PostgreSQL).
    incident_id: int
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    lease_id: int = Field(foreign_key="lease.id", index=True)
    agency_id: int
    month: str = Field(max_length=7, index=True)  # YYYY-MM
    percent: float
    # Euro cents (exact sums, no floating-point money); None when the rent is not known.
    amount_cents: int | None = None
    created_at: datetime = utc_field(nullable=False)


class CommitmentSetting(SQLModel, table=True):
    """The landlord's own commitments (RULES.md defaults until an admin changes them)."""

    __tablename__ = "commitment_setting"
    __table_args__ = (UniqueConstraint("incident_kind", "commitment_kind", name="uq_commitment_setting"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_kind: str = Field(max_length=12)
    commitment_kind: str = Field(max_length=20)
    enabled: bool = True
    working_days: int
    rebate_percent: float | None = None
    updated_at: datetime = utc_field(nullable=False)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class HelpVisit(SQLModel, table=True):
    """The daily help plan of a reduced-mobility household during a planned stop: one row
    per day and slot ticked off (shopping, water carried up)."""

    __tablename__ = "incident_help_visit"
    __table_args__ = (UniqueConstraint("household_id", "day", "slot", name="uq_help_visit"),)
    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="incident_household.id", index=True)
    day: date
    slot: str = Field(max_length=10)  # morning | afternoon
    done_at: datetime = utc_field(nullable=False)
    done_by: int | None = Field(default=None, foreign_key="user.id")
