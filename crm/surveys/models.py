"""Quarterly satisfaction survey answers, compared each year with courtesy-call interviews."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from crm.models import utc_field


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answer"
    __table_args__ = (UniqueConstraint("survey", "respondent_ref", "theme"),)
    id: int | None = Field(default=None, primary_key=True)
    survey: str = Field(max_length=120)
    period: str = Field(max_length=7, index=True)  # "2026-Q3"
    respondent_ref: str = Field(max_length=60)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    theme: str = Field(max_length=40)
    score: int | None = None  # 1..4, None = ne sait pas
    imported_at: datetime = utc_field(nullable=False)
