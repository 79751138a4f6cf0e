"""The comparison reads interviews by their local-time quarter and survey answers by their
period, for one agency or every agency together, with one yearly row per theme."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crm.surveys.comparison import comparison_rows
from crm.themes import SURVEY_THEMES
from tests.support.surveys import add_interviews, add_survey_answers

PARIS = ZoneInfo("Europe/Paris")


async def _rows(db, year=2026, agency_id=None):
    async with db.session() as session:
        rows = await comparison_rows(session, year=year, agency_id=agency_id, tz=PARIS)
    return {(r.theme, r.period): r for r in rows}, rows


async def test_every_survey_theme_has_four_quarters_and_the_year_even_when_empty(db):
    by_key, rows = await _rows(db)
    assert len(rows) == len(SURVEY_THEMES) * 5 == 30
    assert [r.period for r in rows[:5]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "2026"]
    assert all(r.result.calls.rate is None and r.result.survey.rate is None for r in rows)
    assert "move_in" not in {r.theme for r in rows}  # courtesy calls only, nothing to compare


async def test_an_interview_just_after_midnight_on_1_april_counts_in_the_second_quarter(db):
    # 2026-04-01 00:30 in Paris is 2026-03-31 22:30 UTC: local time decides the quarter.
    await add_interviews(db, [{"cleanliness": 4}], at=datetime(2026, 4, 1, 0, 30, tzinfo=PARIS))
    # 2027-01-01 00:30 in Paris is still 2026 in UTC, but belongs to 2027.
    await add_interviews(db, [{"cleanliness": 1}], at=datetime(2027, 1, 1, 0, 30, tzinfo=PARIS))
    # 2026-01-01 00:30 in Paris is 2025-12-31 23:30 UTC, but belongs to 2026 Q1.
    await add_interviews(db, [{"cleanliness": 2}], at=datetime(2026, 1, 1, 0, 30, tzinfo=PARIS))
    by_key, _ = await _rows(db)
    assert by_key[("cleanliness", "2026-Q1")].result.calls.n == 1
    assert by_key[("cleanliness", "2026-Q1")].result.calls.rate == 0.0
    assert by_key[("cleanliness", "2026-Q2")].result.calls.n == 1
    assert by_key[("cleanliness", "2026-Q2")].result.calls.rate == 1.0
    # year: 1 satisfied (Q2) of 2 -> 0.5; the 2027 interview is not in it
    assert by_key[("cleanliness", "2026")].result.calls.n == 2
    assert by_key[("cleanliness", "2026")].result.calls.rate == 0.5
    by_key_2027, _ = await _rows(db, year=2027)
    assert by_key_2027[("cleanliness", "2027-Q1")].result.calls.n == 1


async def test_one_agency_or_every_agency_together(db):
    q3 = datetime(2026, 8, 10, 10, 0, tzinfo=PARIS)
    # Blois: calls 4, 3, 2, NSP -> 2/3; survey 4, 1 -> 1/2
    await add_interviews(db, [{"communication": s} for s in (4, 3, 2, None)], at=q3, agency="Blois")
    await add_survey_answers(db, "communication", [4, 1], period="2026-Q3", agency="Blois")
    # Vendôme: calls 1 -> 0/1; survey 4, 4 -> 2/2
    await add_interviews(db, [{"communication": 1}], at=q3, agency="Vendôme")
    await add_survey_answers(db, "communication", [4, 4], period="2026-Q3", agency="Vendôme")
    from sqlalchemy import select

    from crm.models import Agency

    async with db.session() as s:
        blois = (await s.execute(select(Agency).where(Agency.name == "Blois"))).scalar_one()
    by_key, _ = await _rows(db, agency_id=blois.id)
    row = by_key[("communication", "2026-Q3")]
    assert row.agency == {"id": blois.id, "name": "Blois"}
    assert (row.result.calls.rate, row.result.calls.n) == (pytest.approx(2 / 3), 3)
    assert (row.result.survey.rate, row.result.survey.n) == (0.5, 2)
    assert row.result.difference_points == 16.7  # (2/3 - 1/2) x 100
    # Together: calls 2 satisfied / 4 = 0.5; survey 3 / 4 = 0.75; difference -25.0
    by_key, _ = await _rows(db)
    row = by_key[("communication", "2026-Q3")]
    assert row.agency is None
    assert (row.result.calls.rate, row.result.calls.n) == (0.5, 4)
    assert (row.result.survey.rate, row.result.survey.n) == (0.75, 4)
    assert row.result.difference_points == -25.0
    # The year row sums the quarters (here only Q3).
    assert by_key[("communication", "2026")].result.calls.n == 4


async def test_the_yearly_row_adds_up_the_quarters_of_both_sides(db):
    # calls: Q1 [4, 4] + Q4 [1, NSP] -> 2 satisfied / 3; survey: Q2 [3] + Q4 [2, 2, 4] -> 2 / 4
    await add_interviews(db, [{"technical_requests": 4}] * 2, at=datetime(2026, 2, 3, 9, 0, tzinfo=PARIS))
    await add_interviews(db, [{"technical_requests": 1}, {"technical_requests": None}],
                         at=datetime(2026, 11, 3, 9, 0, tzinfo=PARIS))
    await add_survey_answers(db, "technical_requests", [3], period="2026-Q2")
    await add_survey_answers(db, "technical_requests", [2, 2, 4], period="2026-Q4")
    await add_survey_answers(db, "technical_requests", [1, 1], period="2025-Q4")  # another year
    by_key, _ = await _rows(db)
    year = by_key[("technical_requests", "2026")].result
    assert (year.calls.n, year.calls.rate) == (3, pytest.approx(2 / 3))
    assert (year.survey.n, year.survey.rate) == (4, 0.5)
    assert year.difference_points == 16.7
    q4 = by_key[("technical_requests", "2026-Q4")].result
    assert (q4.calls.n, q4.calls.rate, q4.survey.n) == (1, 0.0, 3)
    assert q4.difference_points == pytest.approx(-33.3)  # 0 - 1/3


async def test_a_clearly_better_first_impression_with_enough_answers_is_flagged(db):
    # calls 27/30 = 0.9 vs survey 20/40 = 0.5: z = 3.53 (see the hand-computed test)
    at = datetime(2026, 5, 12, 15, 0, tzinfo=PARIS)
    await add_interviews(db, [{"living_conditions": 4}] * 27 + [{"living_conditions": 2}] * 3, at=at)
    await add_survey_answers(db, "living_conditions", [3] * 20 + [1] * 20, period="2026-Q2")
    by_key, _ = await _rows(db)
    assert by_key[("living_conditions", "2026-Q2")].result.significant is True
    assert by_key[("living_conditions", "2026-Q2")].result.difference_points == 40.0
    assert by_key[("living_conditions", "2026")].result.significant is True
    assert by_key[("living_conditions", "2026-Q1")].result.significant is False
