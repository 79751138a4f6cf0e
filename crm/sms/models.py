"""SMS channel tables: messages kept by the local backend."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm.models import utc_field


class LocalSms(SQLModel, table=True):
    """An SMS "sent" by the local backend: nothing leaves the machine, the page shows it."""

    __tablename__ = "local_sms"
    id: int | None = Field(default=None, primary_key=True)
    sid: str = Field(max_length=40, unique=True)
    to: str = Field(max_length=20, index=True)
    body: str
    status_callback: str | None = Field(default=None, max_length=255)
    at: datetime = utc_field(nullable=False, index=True)
