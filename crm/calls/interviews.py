"""The structured interview after a tenant was reached, and the follow-ups it opens.

Answers use the survey themes on the 4-point scale (null = "ne sait pas"); the summary's
sentiment comes from the shared French rules (``crm.inbox.understanding.sentiment``). A note
holding health details or insults is refused once with the words found, unless confirmed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.attempts import record_attempt
from crm.calls.models import (
    CallTask,
    FollowUp,
    FollowUpStatus,
    Interview,
    Outcome,
    TaskStatus,
)
from crm.calls.note_check import sensitive_words
from crm.errors import Conflict, Invalid
from crm.themes import THEMES

FOLLOW_UP_KINDS = {"technical": "Technique", "administrative": "Administratif"}
# Suggested categories (free text is accepted: landlords name things their own way).
FOLLOW_UP_CATEGORIES: dict[str, list[str]] = {
    "technical": ["Plomberie", "Électricité", "Chauffage / eau chaude", "Menuiseries",
                  "Ascenseur", "Parties communes", "Nuisibles", "Équipements", "Autre"],
    "administrative": ["Loyer / APL", "Charges", "État des lieux", "Contrat / bail",
                       "Voisinage", "Assurance", "Autre"],
}
FOLLOW_UP_STATUS_LABELS = {FollowUpStatus.OPEN: "À traiter", FollowUpStatus.IN_PROGRESS: "En cours",
                           FollowUpStatus.DONE: "Traité"}


def check_answers(answers: dict[str, int | None]) -> dict[str, int | None]:
    """Every theme present (missing = "ne sait pas"); unknown themes or scores refused."""
    unknown = sorted(set(answers) - set(THEMES))
    if unknown:
        raise Invalid("Thème inconnu.", code="unknown_theme", details={"themes": unknown})
    bad = {k: v for k, v in answers.items() if v is not None and v not in (1, 2, 3, 4)}
    if bad:
        raise Invalid("Les notes vont de 1 à 4 (ou vide : ne sait pas).", code="invalid_score",
                      details=bad)
    return {code: answers.get(code) for code in THEMES}


def check_note(*texts: str | None, confirmed: bool) -> list[str]:
    """422 ``sensitive_note`` with the words found, unless the adviser confirmed."""
    words = sensitive_words(*texts)
    if words and not confirmed:
        raise Invalid(
            "La note contient des informations de santé ou des propos injurieux : "
            + ", ".join(words) + ". Le locataire peut la lire. Reformulez ou confirmez.",
            code="sensitive_note", details={"words": words},
        )
    return words


def summary_sentiment(summary: str) -> tuple[str, float]:
    if not summary.strip():
        return "neutral", 0.0
    from crm.inbox.understanding import sentiment

    label, score = sentiment(summary)
    return label, max(-1.0, min(1.0, float(score)))


async def save_interview(
    session: AsyncSession,
    task: CallTask,
    *,
    user_id: int,
    answers: dict[str, int | None],
    summary: str,
    follow_ups: list[dict[str, Any]],
    now: datetime,
    tz: ZoneInfo,
    confirm_sensitive: bool = False,
) -> Interview:
    """Store the interview, open its follow-ups and complete the task.

    A task still ``open`` is first marked reached (an attempt is recorded, claim rules
    apply); a completed or closed task gives 409.
    """
    if task.status not in (TaskStatus.OPEN, TaskStatus.REACHED):
        raise Conflict("Cette tâche est close : l'entretien ne peut plus être saisi.",
                       code="task_closed", details={"status": task.status})
    clean = check_answers(answers)
    for item in follow_ups:
        if item.get("kind") not in FOLLOW_UP_KINDS:
            raise Invalid("Un suivi est technique ou administratif.", code="invalid_follow_up")
    check_note(summary, *(f.get("description") for f in follow_ups), confirmed=confirm_sensitive)
    if task.status == TaskStatus.OPEN:
        await record_attempt(session, task, user_id=user_id, outcome=Outcome.REACHED, now=now, tz=tz)
    label, score = summary_sentiment(summary)
    interview = Interview(task_id=task.id, tenant_id=task.tenant_id, agency_id=task.agency_id,  # type: ignore[arg-type]
                          adviser_id=user_id, at=now, answers=clean, summary=summary.strip(),
                          summary_sentiment=label, summary_sentiment_score=score)
    session.add(interview)
    try:
        await session.flush()
    except IntegrityError:
        # Two advisers (or a double click) posting the same interview: the first one wins.
        await session.rollback()
        raise Conflict("L'entretien de ce locataire vient d'être enregistré par ailleurs.",
                       code="interview_exists") from None
    for item in follow_ups:
        session.add(FollowUp(interview_id=interview.id, tenant_id=task.tenant_id,
                             agency_id=task.agency_id, kind=item["kind"],
                             category=(item.get("category") or "Autre").strip()[:60],
                             description=(item.get("description") or "").strip(),
                             status=FollowUpStatus.OPEN, created_by=user_id,
                             created_at=now, updated_at=now))
    task.status = TaskStatus.COMPLETED
    task.closed_at = now
    task.claimed_by = None
    task.claim_expires_at = None
    await session.flush()
    return interview
