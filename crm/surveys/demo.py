"""Demo survey history: the landlord's quarterly satisfaction barometer ("Baromètre T3 2026"),
as imported from the polling firm's files, for every agency and every quarter of this year up
to today's quarter, plus last year's Q4.

The rates look like real HLM barometers: living conditions and communication well liked,
cleanliness and technical requests less so. One agency/theme is deliberately off (Blois,
communication: the barometer's whole tenancy is much less satisfied than new tenants called
after moving in), so the comparison page shows a gap worth explaining: significant on every
agency together; for Blois alone the demo's few weeks of calls (under 30 interviews) are too
few for the test to call it significant.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from crm import calendar
from crm.clock import Clock
from crm.db import Database
from crm.models import Agency
from crm.surveys.models import SurveyAnswer
from crm.surveys.periods import quarter_label
from crm.themes import SURVEY_THEMES

PARIS = ZoneInfo("Europe/Paris")
RESPONDENTS = (60, 120)  # per agency and quarter
# Share of 3 and 4 ("satisfied") per theme, for the whole tenancy.
RATES: dict[str, float] = {
    "living_conditions": 0.84,
    "communication": 0.81,
    "dwelling_equipment": 0.77,
    "non_technical_requests": 0.75,
    "cleanliness": 0.67,
    "technical_requests": 0.64,
}
# "Ne sait pas": higher where many tenants made no request at all.
DONT_KNOW: dict[str, float] = {
    "living_conditions": 0.04, "communication": 0.05, "dwelling_equipment": 0.05,
    "non_technical_requests": 0.10, "cleanliness": 0.04, "technical_requests": 0.09,
}
AGENCY_SHIFT = {"Blois": 0.0, "Vendôme": 0.03, "Romorantin": -0.03}
# The gap the comparison page should reveal: (agency, theme) -> barometer rate.
OUTLIERS = {("Blois", "communication"): 0.60}
TOP_SHARE = 0.38  # "tout à fait" among the satisfied
WORST_SHARE = 0.35  # "pas du tout" among the others


def _quarters(today: date) -> list[tuple[int, int]]:
    """(year, quarter): last year's Q4, then this year's quarters up to today's."""
    current = (today.month - 1) // 3 + 1
    return [(today.year - 1, 4)] + [(today.year, q) for q in range(1, current + 1)]


def _score(rng: random.Random, rate: float, dont_know: float) -> int | None:
    if rng.random() < dont_know:
        return None
    if rng.random() < rate:
        return 4 if rng.random() < TOP_SHARE else 3
    return 1 if rng.random() < WORST_SHARE else 2


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    today = calendar.local_today(now, PARIS)
    async with db.session() as session:
        agencies = (await session.execute(select(Agency.id, Agency.name, Agency.code).order_by(Agency.id))).all()
        rows: list[dict[str, Any]] = []
        for year, quarter in _quarters(today):
            period = f"{year}-Q{quarter}"
            survey = f"Baromètre {quarter_label(period)}"
            # Files come back from the polling firm about three weeks after the quarter;
            # the current quarter's fieldwork is imported as it goes.
            next_quarter = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
            imported_at = min(calendar.at_local(next_quarter + timedelta(days=20), time(9), PARIS), now)
            drift = rng.uniform(-0.02, 0.02)  # the whole quarter a little up or down
            for agency_id, name, code in agencies:
                shift = AGENCY_SHIFT.get(name, 0.0) + drift
                for n in range(rng.randint(*RESPONDENTS)):
                    ref = f"{code or agency_id}-{year}T{quarter}-{n + 1:04d}"
                    mood = rng.choice((-0.08, 0.0, 0.0, 0.08))  # a respondent's answers go together
                    for theme in SURVEY_THEMES:
                        rate = OUTLIERS.get((name, theme), RATES[theme] + shift)
                        rows.append({
                            "survey": survey, "period": period, "respondent_ref": ref,
                            "agency_id": agency_id, "theme": theme,
                            "score": _score(rng, min(0.97, rate + mood), DONT_KNOW[theme]),
                            "imported_at": imported_at,
                        })
        if rows:
            await session.execute(insert(SurveyAnswer), rows)
        await session.commit()
