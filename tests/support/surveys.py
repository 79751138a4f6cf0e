"""Helpers for the survey tests: interviews and survey answers written straight into their
tables, survey CSV files, and a page session for a user."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm.calls.models import CallTask, Interview
from crm.models import Agency, Lease, Residence, Tenant
from crm.surveys.models import SurveyAnswer
from tests.support.factories import NOW, PASSWORD

_seq = itertools.count(1)
# A byte-for-byte copy of ../shared/data/sample_survey.csv, so the tests do not depend on ../shared.
SAMPLE_SURVEY = str(Path(__file__).resolve().parent.parent / "data" / "sample_survey.csv")


async def _agency(session: Any, name: str) -> Agency:
    agency = (await session.execute(select(Agency).where(Agency.name == name))).scalars().first()
    if agency is None:
        agency = Agency(name=name)
        session.add(agency)
        await session.flush()
    return agency


async def add_agencies(db: Any, *names: str) -> dict[str, int]:
    async with db.session() as session:
        ids = {name: (await _agency(session, name)).id for name in names}
        await session.commit()
    return ids


async def add_interviews(db: Any, answers: Iterable[dict[str, Any]], *, at: datetime,
                         agency: str = "Blois") -> None:
    """One completed courtesy call (tenant, lease, task, interview) per answers dict."""
    async with db.session() as session:
        ag = await _agency(session, agency)
        residence = (await session.execute(
            select(Residence).where(Residence.agency_id == ag.id))).scalars().first()
        if residence is None:
            residence = Residence(agency_id=ag.id, name="Les Provinces")
            session.add(residence)
            await session.flush()
        for given in answers:
            n = next(_seq)
            tenant = Tenant(last_name=f"Enquêté{n}", created_at=NOW, updated_at=NOW)
            session.add(tenant)
            await session.flush()
            lease = Lease(contract_ref=f"S-{n:06d}", tenant_id=tenant.id, agency_id=ag.id,
                          residence_id=residence.id, lease_start=date(2026, 1, 5),
                          created_at=NOW, updated_at=NOW)
            session.add(lease)
            await session.flush()
            task = CallTask(lease_id=lease.id, tenant_id=tenant.id, agency_id=ag.id,
                            window_start=date(2026, 1, 12), window_end=date(2026, 2, 4),
                            status="completed", created_at=NOW)
            session.add(task)
            await session.flush()
            session.add(Interview(task_id=task.id, tenant_id=tenant.id, agency_id=ag.id, at=at,
                                  answers=given))
        await session.commit()


async def add_survey_answers(db: Any, theme: str, scores: Iterable[int | None], *, period: str,
                             agency: str = "Blois", survey: str = "Baromètre") -> None:
    async with db.session() as session:
        ag = await _agency(session, agency)
        for score in scores:
            session.add(SurveyAnswer(survey=survey, period=period, respondent_ref=f"R{next(_seq)}",
                                     agency_id=ag.id, theme=theme, score=score, imported_at=NOW))
        await session.commit()


def survey_csv(rows: list[list[str]], *, header: list[str] | None = None, sep: str = ";",
               encoding: str = "utf-8-sig") -> bytes:
    header = header or ["Enquête", "Période", "N° répondant", "Agence", "Thème", "Note"]
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


async def page_login(client: Any, user: Any) -> str:
    """Log in through the login form (session cookie); returns the page CSRF token."""
    page = await (await client.get("/login")).text()
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    resp = await client.post("/login", data={"email": user.email, "password": PASSWORD,
                                             "login_csrf": login_csrf, "next": "/enquetes"},
                             allow_redirects=False)
    assert resp.status == 302, await resp.text()
    page = await (await client.get("/enquetes")).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
