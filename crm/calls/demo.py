"""Demo call history: tasks for the demo's recent leases and a realistic record of calls
(attempts following the retry rules, interviews with answers and summaries, follow-ups),
played through the real code with a moving clock, so the KPI page shows something true."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from crm import calendar
from crm.calls.attempts import record_attempt
from crm.calls.interviews import save_interview
from crm.calls.models import CallTask, FollowUp, FollowUpStatus, Outcome, TaskKind, TaskStatus
from crm.calls.rules import PARIS
from crm.calls.tasks import callable_phones, ensure_call_tasks, expire_tasks
from crm.clock import Clock
from crm.db import Database
from crm.models import Lease, Role, User
from crm.themes import THEMES

HISTORY_DAYS = 330  # a year of courtesy calls: the yearly survey comparison has data

SUMMARIES = [
    ("Très satisfaite de l'accueil et du logement, rien à signaler.", None),
    ("Bon accueil à l'agence. Logement propre à l'entrée. Merci.", None),
    ("Locataire content, petite remarque sur la propreté du hall.", None),
    ("Toujours pas d'eau chaude depuis l'entrée, le locataire est mécontent.",
     ("technical", "Chauffage / eau chaude", "Pas d'eau chaude depuis l'entrée dans les lieux")),
    ("Fuite sous l'évier signalée à l'état des lieux, pas encore réparée.",
     ("technical", "Plomberie", "Fuite sous l'évier de la cuisine")),
    ("Question sur le montant des charges et l'APL, dossier à vérifier.",
     ("administrative", "Loyer / APL", "Vérifier l'ouverture des droits APL")),
    ("Volet roulant de la chambre bloqué, sinon satisfaite.",
     ("technical", "Menuiseries", "Volet roulant de la chambre bloqué")),
    ("Satisfait dans l'ensemble, attend le badge du parking.",
     ("administrative", "Contrat / bail", "Remise du badge de parking")),
    ("Logement correct mais ascenseur souvent en panne, locataire déçue.",
     ("technical", "Ascenseur", "Pannes répétées de l'ascenseur")),
]
# Themes a summary's problem drags down (the tenant who has no hot water is not satisfied
# with technical requests nor with the move-in).
PROBLEM_THEMES: dict[str, tuple[str, ...]] = {
    SUMMARIES[2][0]: ("cleanliness",),
    SUMMARIES[3][0]: ("technical_requests", "move_in"),
    SUMMARIES[4][0]: ("technical_requests", "move_in"),
    SUMMARIES[5][0]: ("non_technical_requests",),
    SUMMARIES[6][0]: ("technical_requests",),
    SUMMARIES[7][0]: ("non_technical_requests",),
    SUMMARIES[8][0]: ("dwelling_equipment",),
}
# Share of 3 and 4 per theme when the call raised no problem on it. A courtesy call right after
# moving in is mostly positive; with the problems above, the overall rates come out at about
# 85-88 % (living conditions, communication), 78-80 % (move-in, equipment, requests) and
# 68-72 % (cleanliness, technical requests), as landlords see.
NEW_TENANT_RATES: dict[str, float] = {
    "living_conditions": 0.86, "communication": 0.88, "non_technical_requests": 0.90,
    "dwelling_equipment": 0.85, "move_in": 0.92, "cleanliness": 0.74, "technical_requests": 0.86,
}
PROBLEM_RATE = 0.35
# "Ne sait pas": a few weeks in, many have made no request yet.
DONT_KNOW: dict[str, float] = {
    "living_conditions": 0.05, "communication": 0.04, "non_technical_requests": 0.10,
    "dwelling_equipment": 0.05, "move_in": 0.02, "cleanliness": 0.05, "technical_requests": 0.12,
}


def _outcome(rng: random.Random, attempt_no: int) -> str:
    """Roughly what landlords see: about half reached at the first call, more later."""
    weights = {Outcome.REACHED: 30 + 4 * attempt_no, Outcome.NO_ANSWER: 30, Outcome.VOICEMAIL: 12,
               Outcome.BUSY: 5, Outcome.CALLBACK_REQUESTED: 5, Outcome.REFUSED: 3,
               Outcome.WRONG_NUMBER: 2}
    return rng.choices(list(weights), list(weights.values()))[0]


def _answers(rng: random.Random, summary: str) -> dict[str, int | None]:
    problems = PROBLEM_THEMES.get(summary, ())
    answers: dict[str, int | None] = {}
    for code in THEMES:
        rate = PROBLEM_RATE if code in problems else NEW_TENANT_RATES[code]
        # Satisfied new tenants are often "tout à fait" satisfied.
        weights = [(1 - rate) * 0.35, (1 - rate) * 0.65, rate * 0.5, rate * 0.5]
        answers[code] = None if rng.random() < DONT_KNOW[code] else rng.choices([1, 2, 3, 4], weights)[0]
    return answers


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    today = calendar.local_today(now, PARIS)
    async with db.session() as session:
        advisers: dict[int, list[int]] = {}
        # In id order, like every query feeding the seeded generator: the same seed must give
        # the same data whatever the tables' physical layout (PostgreSQL returns unordered
        # rows in storage order, which earlier deletions change).
        staff_query = select(User).where(User.role.in_((Role.ADVISER, Role.MANAGER))).order_by(User.id)
        for user in await session.scalars(staff_query):
            if user.agency_id is not None:
                advisers.setdefault(user.agency_id, []).append(user.id)  # type: ignore[arg-type]
        leases = (await session.execute(
            select(Lease.id, Lease.tenant_id, Lease.agency_id, Lease.lease_start)
            .where(Lease.lease_start >= today - timedelta(days=HISTORY_DAYS), Lease.lease_end.is_(None))
            .order_by(Lease.id)
        )).all()
        # Past windows too: the demo replays what the daily job would have created back then.
        for lease in leases:
            await ensure_call_tasks(session, today=lease.lease_start, lease_ids=[lease.id],
                                    now=calendar.at_local(lease.lease_start, calendar.CALL_PERIODS[0][0], PARIS))
        await ensure_call_tasks(session, today=today, now=now)
        await session.commit()
        tasks = list(await session.scalars(
            select(CallTask).where(CallTask.kind == TaskKind.COURTESY, CallTask.status == TaskStatus.OPEN)
            .order_by(CallTask.id)))
        phones = await callable_phones(session, [t.tenant_id for t in tasks])
        for task in tasks:
            if task.tenant_id not in phones or rng.random() < 0.07:
                continue  # never called: stays visible in the KPIs' denominators
            staff = advisers.get(task.agency_id)
            if not staff:
                continue
            await _play(session, task, rng, staff, now)
        await expire_tasks(session, today=today, now=now)
        # Older follow-ups have moved on: dealt with, or being dealt with.
        for status, days in ((FollowUpStatus.DONE, 21), (FollowUpStatus.IN_PROGRESS, 7)):
            await session.execute(
                update(FollowUp).where(FollowUp.created_at < now - timedelta(days=days),
                                       FollowUp.status == FollowUpStatus.OPEN)
                .values(status=status, updated_at=now).execution_options(synchronize_session=False))
        await session.commit()


async def _play(session: Any, task: CallTask, rng: random.Random, staff: list[int], now: datetime) -> None:
    """Calls for one task from its window's opening until now, following the rules."""
    start = task.window_start + timedelta(days=rng.choice([0, 0, 1, 2, 3, 5]))
    moment = calendar.next_calling_time(
        calendar.at_local(start, calendar.CALL_PERIODS[0][0], PARIS) + timedelta(minutes=rng.randint(0, 560)),
        PARIS)
    attempt_no = 0
    while task.status == TaskStatus.OPEN and moment < now and moment.astimezone(PARIS).date() <= task.window_end:
        adviser = rng.choice(staff)
        outcome = _outcome(rng, attempt_no)
        callback_at = None
        if outcome == Outcome.CALLBACK_REQUESTED:
            callback_at = calendar.next_calling_time(moment + timedelta(hours=rng.choice([3, 24, 26])), PARIS)
        await record_attempt(session, task, user_id=adviser, outcome=outcome, now=moment, tz=PARIS,
                             callback_at=callback_at)
        attempt_no += 1
        if task.status == TaskStatus.REACHED:
            # Some interviews are still to be typed in, but only for windows still open:
            # an adviser does not leave them pending for months.
            if rng.random() < 0.85 or task.window_end < calendar.local_today(now, PARIS):
                summary, follow_up = rng.choice(SUMMARIES)
                await save_interview(
                    session, task, user_id=adviser, answers=_answers(rng, summary),
                    summary=summary, now=moment + timedelta(minutes=rng.randint(6, 15)), tz=PARIS,
                    follow_ups=[] if follow_up is None else [
                        {"kind": follow_up[0], "category": follow_up[1], "description": follow_up[2]}],
                )
            break
        if task.next_attempt_at is None:
            break
        moment = task.next_attempt_at + timedelta(minutes=rng.randint(0, 150))
        if not calendar.is_calling_time(moment, PARIS):
            moment = task.next_attempt_at  # the rules only ever give a calling time
    await session.flush()

