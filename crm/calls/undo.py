"""Undoing a call attempt recorded by mistake, within a minute.

``record_attempt`` keeps the task's state from just before the attempt in the audit
(``call_attempt``); undoing puts it back, revalidates a number a "faux numéro" had marked
invalid, deletes the attempt and writes ``call_attempt_undone`` with what was removed —
the audit keeps both events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.models import CallAttempt, CallTask, Interview
from crm.errors import Conflict, NotFound
from crm.models import AuditEvent, Phone

UNDO_WINDOW = timedelta(minutes=1)
_TASK_FIELDS = ("status", "attempts", "last_outcome", "next_attempt_at", "callback_at",
                "requested_by_sms", "claimed_by", "claim_expires_at", "closed_at", "no_phone")
_DATES = {"next_attempt_at", "callback_at", "claim_expires_at", "closed_at"}


def task_state(task: CallTask) -> dict[str, Any]:
    return {f: (v.isoformat() if isinstance(v, datetime) else v)
            for f in _TASK_FIELDS for v in [getattr(task, f)]}


def remember(session: AsyncSession, task: CallTask, attempt: CallAttempt, before: dict[str, Any],
             *, phone_invalidated: str | None) -> None:
    session.add(AuditEvent(
        at=attempt.at, user_id=attempt.adviser_id, action="call_attempt", object_type="call_task",
        object_id=str(task.id), details={"attempt_id": attempt.id, "outcome": attempt.outcome,
                                         "before": before, "phone_invalidated": phone_invalidated}))


async def undo_attempt(session: AsyncSession, task: CallTask, attempt_id: int, *, user_id: int,
                       now: datetime) -> CallAttempt:
    """Remove the adviser's latest attempt on ``task`` if it is less than a minute old."""
    attempt = await session.get(CallAttempt, attempt_id)
    if attempt is None or attempt.task_id != task.id:
        raise NotFound("Cet appel n'existe pas (ou a déjà été annulé).", code="attempt_not_found")
    if attempt.adviser_id != user_id:
        raise Conflict("Seul le conseiller qui a enregistré cet appel peut l'annuler.",
                       code="not_your_attempt")
    if now - attempt.at > UNDO_WINDOW:
        raise Conflict("Trop tard pour annuler : l'appel a été enregistré il y a plus d'une minute.",
                       code="undo_too_late")
    latest = await session.scalar(select(func.max(CallAttempt.id)).where(CallAttempt.task_id == task.id))
    has_interview = await session.scalar(select(Interview.id).where(Interview.task_id == task.id))
    if latest != attempt.id or has_interview:
        raise Conflict("Un autre enregistrement a suivi cet appel : il ne peut plus être annulé.",
                       code="undo_superseded")
    event = (await session.scalars(
        select(AuditEvent).where(AuditEvent.action == "call_attempt",
                                 AuditEvent.object_id == str(task.id))
        .order_by(AuditEvent.id.desc()))).first()
    if event is None or (event.details or {}).get("attempt_id") != attempt.id:
        raise Conflict("Cet appel ne peut pas être annulé.", code="undo_unavailable")
    details = event.details or {}
    for name, value in details["before"].items():
        setattr(task, name, datetime.fromisoformat(value) if name in _DATES and value else value)
    if details.get("phone_invalidated"):
        await session.execute(
            update(Phone).where(Phone.tenant_id == task.tenant_id,
                                Phone.e164 == details["phone_invalidated"])
            .values(valid=True).execution_options(synchronize_session=False))
    session.add(AuditEvent(
        at=now, user_id=user_id, action="call_attempt_undone", object_type="call_task",
        object_id=str(task.id), details={"attempt_id": attempt.id, "outcome": attempt.outcome,
                                         "at": attempt.at.isoformat(), "note": attempt.note}))
    await session.execute(delete(CallAttempt).where(CallAttempt.id == attempt.id)
                          .execution_options(synchronize_session=False))
    await session.flush()
    return attempt
