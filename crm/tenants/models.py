"""Tenant-feature tables: background import jobs and the file each one reads.

The uploaded file lives in its own table, so polling a job's progress never reads it and it
is deleted as soon as the job ends (done or failed); any process of the service can run a
queued job, and a job survives a restart while queued.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from crm.models import utc_field


class ImportJobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    LABELS = {QUEUED: "en attente", RUNNING: "en cours", DONE: "terminé", FAILED: "échoué"}


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="tenants", max_length=20)
    status: str = Field(default=ImportJobStatus.QUEUED, max_length=10, index=True)
    filename: str | None = Field(default=None, max_length=255)
    user_id: int = Field(foreign_key="user.id", index=True)  # who sent it: only they see it
    agency_id: int | None = Field(default=None, foreign_key="agency.id")  # the sender's agency
    bytes_total: int = 0
    bytes_done: int = 0  # progress: bytes of the file read for the rows committed so far
    # {created, updated, unchanged, ended, rejected: [{line, reason}], warnings: [...]}
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    error: str | None = None  # French: why the job failed
    created_at: datetime = utc_field(nullable=False)
    started_at: datetime | None = utc_field()
    updated_at: datetime = utc_field(nullable=False)  # the last sign of life (progress)
    finished_at: datetime | None = utc_field()


class ImportJobFile(SQLModel, table=True):
    __tablename__ = "import_job_file"
    job_id: int = Field(foreign_key="import_job.id", primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
