"""Courtesy-call tables: one task per new lease, its attempts, the interview. (Problems heard
on the phone are tenant requests: ``crm/requests/``.)"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models import utc_field


class TaskKind:
    COURTESY = "courtesy"  # the courtesy call owed to a new lease (counted in the KPIs)
    CALLBACK = "callback"  # the tenant texted "rappelez-moi" after the courtesy call was over
    PMR = "pmr"  # reduced mobility, before a planned stop: needs and preferred slot (incidents)
    ALL = (COURTESY, CALLBACK, PMR)


class TaskStatus:
    OPEN = "open"  # waiting in the queue (maybe with a next_attempt_at)
    REACHED = "reached"  # spoken to, interview not posted yet (off the queue, not closed)
    COMPLETED = "completed"  # reached and interviewed
    REFUSED = "refused"  # the tenant declined the interview
    WRONG_NUMBER = "wrong_number"  # no usable number left
    EXHAUSTED = "exhausted"  # max attempts reached without contact
    EXPIRED = "expired"  # the window closed before contact
    CANCELLED = "cancelled"  # lease ended / data purged
    CLOSED = (COMPLETED, REFUSED, WRONG_NUMBER, EXHAUSTED, EXPIRED, CANCELLED)
    ACTIVE = (OPEN, REACHED)


class Outcome:
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    CALLBACK_REQUESTED = "callback_requested"
    REFUSED = "refused"
    REACHED = "reached"
    ALL = (NO_ANSWER, VOICEMAIL, BUSY, WRONG_NUMBER, CALLBACK_REQUESTED, REFUSED, REACHED)
    # No one answered: these count towards the maximum number of attempts.
    NO_CONTACT = (NO_ANSWER, VOICEMAIL, BUSY)
    # The tenant was spoken to: counts as "reached" in the KPIs.
    CONTACT = (REACHED, REFUSED, CALLBACK_REQUESTED)


class CallTask(SQLModel, table=True):
    """The call owed to a lease. (``lease_id``, ``kind``) is unique: creation is idempotent."""

    __tablename__ = "call_task"
    __table_args__ = (
        UniqueConstraint("lease_id", "kind", name="uq_call_task_lease_kind"),
        Index("ix_call_task_agency_status", "agency_id", "status"),
        # The queue: open tasks of an agency whose window contains the day; the other
        # columns let the count and the ordering run on the index alone.
        Index("ix_call_task_queue", "status", "agency_id", "window_end", "window_start",
              "next_attempt_at", "callback_at", "no_phone", "attempts"),
    )
    id: int | None = Field(default=None, primary_key=True)
    lease_id: int = Field(foreign_key="lease.id", index=True)
    kind: str = Field(default=TaskKind.COURTESY, max_length=10)  # TaskKind
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")  # denormalised for the queue query
    window_start: date
    window_end: date = Field(index=True)
    status: str = Field(default=TaskStatus.OPEN, max_length=20)
    no_phone: bool = False  # no usable number: stays in the denominators and in sight
    attempts: int = 0
    last_outcome: str | None = Field(default=None, max_length=20)
    next_attempt_at: datetime | None = utc_field()
    callback_at: datetime | None = utc_field()
    # "callback_request" SMS replies create/raise a task for today.
    requested_by_sms: bool = False
    claimed_by: int | None = Field(default=None, foreign_key="user.id")
    claim_expires_at: datetime | None = utc_field()
    created_at: datetime = utc_field(nullable=False)
    closed_at: datetime | None = utc_field()


class CallAttempt(SQLModel, table=True):
    __tablename__ = "call_attempt"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="call_task.id", index=True)
    at: datetime = utc_field(nullable=False, index=True)
    adviser_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    outcome: str = Field(max_length=20)
    note: str | None = None
    callback_at: datetime | None = utc_field()
    phone_e164: str | None = Field(default=None, max_length=20)


class Interview(SQLModel, table=True):
    """The structured interview: answers per theme on the 4-point scale (null = ne sait pas)."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="call_task.id", unique=True)
    tenant_id: int = Field(foreign_key="tenant.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    adviser_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    at: datetime = utc_field(nullable=False, index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: str = ""
    summary_sentiment: str | None = Field(default=None, max_length=10)
    summary_sentiment_score: float | None = None
    # The tenant did not wish to answer the questions: the only way an interview with no
    # answer at all is accepted (an empty form saved by mistake is refused).
    declined: bool = False
