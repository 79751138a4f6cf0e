"""The demo's barometer answers look like a real landlord's: enough respondents on every theme,
plausible rates, and one gap with the courtesy calls large enough to be significant."""

from sqlalchemy import func, select

from crm.demo import fill_demo
from crm.models import Agency
from crm.surveys.comparison import comparison_rows
from crm.surveys.models import SurveyAnswer
from crm.themes import SURVEY_THEMES


async def test_the_demo_barometer_compares_plausibly_with_the_calls_and_shows_a_gap(db, clock, settings):
    await fill_demo(db, clock, settings)

    async with db.session() as s:
        blois = await s.scalar(select(Agency.id).where(Agency.name == "Blois"))
        blois_rows = await comparison_rows(s, year=2026, agency_id=blois, tz=settings.tz)
        all_rows = await comparison_rows(s, year=2026, agency_id=None, tz=settings.tz)
        surveys = set(await s.scalars(select(SurveyAnswer.survey).distinct()))
        unknown = await s.scalar(select(func.count()).select_from(SurveyAnswer)
                                 .where(SurveyAnswer.score.is_(None)))
        total = await s.scalar(select(func.count()).select_from(SurveyAnswer))

    # Clock in Q4 2026: last year's Q4 and this year's four quarters, no future one.
    assert surveys == {"Baromètre T4 2025", "Baromètre T1 2026", "Baromètre T2 2026",
                       "Baromètre T3 2026", "Baromètre T4 2026"}
    assert 0.03 < unknown / total < 0.12  # some "ne sait pas"
    assert {r.theme for r in blois_rows} == set(SURVEY_THEMES)
    for row in blois_rows:
        assert row.result.survey.n >= 30, row.public()
        assert 0.5 <= row.result.survey.rate <= 0.95, row.public()
    # The agency/theme set apart: Blois's barometer is well below its courtesy calls.
    gaps = {r.theme: r.result.difference_points for r in blois_rows if r.is_year}
    assert max(gaps, key=lambda t: gaps[t] or 0) == "communication" and gaps["communication"] >= 20

    # The calls cover the last weeks only (under 30 interviews per agency, too few for a
    # significant gap), so their rates and the significant gap are read on every agency.
    year_rows = [r for r in all_rows if r.is_year]
    for row in year_rows:
        assert row.result.calls.n >= 30 and row.result.survey.n >= 30, row.public()
        assert 0.5 <= row.result.calls.rate <= 0.95, row.public()
        assert 0.5 <= row.result.survey.rate <= 0.95, row.public()
    assert "communication" in {r.theme for r in year_rows if r.result.significant}
