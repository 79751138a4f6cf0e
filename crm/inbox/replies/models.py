"""Advisers' corrections of a reply's intent: who, when, from which intent to which.

Real replies corrected by a person are the best training data: ``scripts/corrections_to_corpus.py``
adds the exported corrections to the development corpus.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from crm.models import utc_field


class IntentCorrection(SQLModel, table=True):
    __tablename__ = "intent_correction"
    id: int | None = Field(default=None, primary_key=True)
    inbound_message_id: int = Field(foreign_key="inbound_message.id", index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    at: datetime = utc_field(nullable=False, index=True)
    from_intent: str = Field(max_length=20)
    to_intent: str = Field(max_length=20)
    decided_by: str = Field(default="", max_length=160)  # the rule that was wrong
