"""The calls' part of a tenant's timeline: attempts and interviews."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.models import CallAttempt, CallTask, Interview
from crm.timeline import TimelineEntry

_OUTCOMES = {
    "no_answer": "pas de réponse", "voicemail": "messagerie", "busy": "occupé",
    "wrong_number": "faux numéro", "callback_requested": "rappel demandé", "refused": "refus",
    "reached": "joint",
}
_SENTIMENT = {"negative": "négative", "neutral": "neutre", "positive": "positive"}


async def entries(session: AsyncSession, tenant_id: int) -> list[TimelineEntry]:
    out: list[TimelineEntry] = []
    attempts = await session.execute(
        select(CallAttempt, CallTask.kind).join(CallTask, CallTask.id == CallAttempt.task_id)
        .where(CallTask.tenant_id == tenant_id))
    for attempt, kind in attempts.all():
        what = "Rappel demandé par SMS" if kind == "callback" else "Appel de courtoisie"
        out.append(TimelineEntry(attempt.at, "call_attempt",
                                 f"{what} : {_OUTCOMES.get(attempt.outcome, attempt.outcome)}",
                                 detail=attempt.note, link=f"/appels/{attempt.task_id}"))
    for interview in await session.scalars(select(Interview).where(Interview.tenant_id == tenant_id)):
        tone = _SENTIMENT.get(interview.summary_sentiment or "", "")
        out.append(TimelineEntry(interview.at, "interview",
                                 "Entretien de courtoisie" + (f" (tonalité {tone})" if tone else ""),
                                 detail=interview.summary or None, link=f"/appels/{interview.task_id}"))
    return out
