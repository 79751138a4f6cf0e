"""Courtesy-call interviews vs quarterly surveys, with the SMS question after a request as a
third source: satisfaction per theme and quarter.

One function, ``compare``, turns the lists of scores into a row; every side goes through
``crm.themes.satisfaction`` so the same formula applies on every side of the comparison.
The gap and its significance stay calls vs survey (the contract's ``difference_points``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.models import Interview
from crm.models import Agency
from crm.requests.service import satisfaction_answers
from crm.surveys.models import SurveyAnswer
from crm.surveys.periods import quarter_of, quarters, year_bounds_utc
from crm.surveys.stats import is_significant, wilson_interval
from crm.themes import SURVEY_THEMES, satisfaction, theme_code


@dataclass(frozen=True)
class Side:
    """One side of a comparison: rate of 3 and 4 among n answers (ne sait pas excluded)."""

    rate: float | None
    n: int
    satisfied: int
    ci: tuple[float, float] | None  # Wilson 95 %, for the chart's whiskers

    def public(self) -> dict[str, Any]:
        return {"rate": self.rate, "n": self.n}


@dataclass(frozen=True)
class Comparison:
    calls: Side
    survey: Side
    sms: Side  # answers to the satisfaction SMS after a request (request themes only)
    difference_points: float | None  # (calls - survey) x 100, 1 decimal
    significant: bool


def _side(scores: list[int | None]) -> Side:
    rate, n = satisfaction(scores)
    # rate is satisfied/n, so this gives the count back exactly.
    satisfied = round(rate * n) if rate is not None else 0
    return Side(rate=rate, n=n, satisfied=satisfied, ci=wilson_interval(satisfied, n))


def _points(calls: Side, survey: Side) -> float | None:
    if calls.rate is None or survey.rate is None:
        return None
    # Exact arithmetic, then the usual rounding (half away from zero), so a gap of
    # exactly 12.25 points reads 12.3 as it would on paper.
    diff = (Fraction(calls.satisfied, calls.n) - Fraction(survey.satisfied, survey.n)) * 100
    value = Decimal(diff.numerator) / Decimal(diff.denominator)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def compare(call_scores: list[int | None], survey_scores: list[int | None],
            sms_scores: list[int | None] | None = None) -> Comparison:
    """A comparison row from the lists of scores (1..4, None = ne sait pas)."""
    calls, survey = _side(call_scores), _side(survey_scores)
    return Comparison(
        calls=calls,
        survey=survey,
        sms=_side(sms_scores or []),
        difference_points=_points(calls, survey),
        significant=is_significant(calls.satisfied, calls.n, survey.satisfied, survey.n),
    )


@dataclass(frozen=True)
class Row:
    theme: str
    period: str  # "2026-Q3" or "2026" for the whole year
    agency: dict[str, Any] | None  # {id, name}; None = every agency together
    result: Comparison

    @property
    def is_year(self) -> bool:
        return "-Q" not in self.period

    def public(self) -> dict[str, Any]:
        r = self.result
        return {
            "theme": self.theme,
            "period": self.period,
            "agency": self.agency,
            "calls": r.calls.public(),
            "survey": r.survey.public(),
            "sms": r.sms.public(),
            "difference_points": r.difference_points,
            "significant": r.significant,
        }


def _score(value: Any) -> int | None:
    """A stored answer as 1..4, anything else (null, "NSP", junk) as ne sait pas."""
    if isinstance(value, bool):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        return None
    return score if 1 <= score <= 4 else None


Scores = dict[tuple[str, str], list[int | None]]  # (theme, quarter) -> scores


async def _call_scores(session: AsyncSession, year: int, agency_id: int | None, tz: ZoneInfo) -> Scores:
    start, end = year_bounds_utc(year, tz)
    stmt = select(Interview.at, Interview.answers).where(Interview.at >= start, Interview.at < end)
    if agency_id is not None:
        stmt = stmt.where(Interview.agency_id == agency_id)
    found: Scores = defaultdict(list)
    for at, answers in (await session.execute(stmt)).all():
        period = quarter_of(at, tz)
        for key, value in (answers or {}).items():
            theme = theme_code(str(key))
            if theme is not None:
                found[(theme, period)].append(_score(value))
    return found


async def _survey_scores(session: AsyncSession, year: int, agency_id: int | None) -> Scores:
    # Counted by the database: a federation's year of surveys is many rows, few groups.
    stmt = (
        select(SurveyAnswer.theme, SurveyAnswer.period, SurveyAnswer.score, func.count())
        .where(SurveyAnswer.period.in_(quarters(year)))
        .group_by(SurveyAnswer.theme, SurveyAnswer.period, SurveyAnswer.score)
    )
    if agency_id is not None:
        stmt = stmt.where(SurveyAnswer.agency_id == agency_id)
    found: Scores = defaultdict(list)
    for theme, period, score, count in (await session.execute(stmt)).all():
        found[(theme, period)] += [score] * count
    return found


async def _sms_scores(session: AsyncSession, year: int, agency_id: int | None, tz: ZoneInfo) -> Scores:
    start, end = year_bounds_utc(year, tz)
    found: Scores = defaultdict(list)
    for theme, at, score in await satisfaction_answers(session, start=start, end=end, agency_id=agency_id):
        found[(theme, quarter_of(at, tz))].append(_score(score))
    return found


async def comparison_rows(
    session: AsyncSession, *, year: int, agency_id: int | None, tz: ZoneInfo
) -> list[Row]:
    """Every survey theme for each quarter of ``year``, then the whole year, for one agency
    or (``agency_id`` None) every agency together. Themes without answers are kept, with
    null rates, so the table always has the same shape."""
    agency = None
    if agency_id is not None:
        found = await session.get(Agency, agency_id)
        agency = {"id": agency_id, "name": found.name if found else None}
    calls = await _call_scores(session, year, agency_id, tz)
    survey = await _survey_scores(session, year, agency_id)
    sms = await _sms_scores(session, year, agency_id, tz)
    rows: list[Row] = []
    for theme in SURVEY_THEMES:
        year_calls: list[int | None] = []
        year_survey: list[int | None] = []
        year_sms: list[int | None] = []
        for period in quarters(year):
            c, s = calls.get((theme, period), []), survey.get((theme, period), [])
            m = sms.get((theme, period), [])
            year_calls += c
            year_survey += s
            year_sms += m
            rows.append(Row(theme, period, agency, compare(c, s, m)))
        rows.append(Row(theme, str(year), agency, compare(year_calls, year_survey, year_sms)))
    return rows
