"""Claiming a task and recording call attempts with the retry rules of RULES.md.

A claim is an atomic UPDATE guarded by "free, mine or lapsed", so two advisers clicking at
once cannot both get the task (on PostgreSQL the row lock serialises them; SQLite has one
writer). The caller commits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.calls.models import CallAttempt, CallTask, Outcome, TaskStatus
from crm.calls.rules import CLAIM_MINUTES, MAX_ATTEMPTS, next_retry_at
from crm.calls.tasks import callable_phones
from crm.calls.undo import remember, task_state
from crm.errors import Conflict, Invalid, NotFound
from crm.models import Agency, Phone


async def get_task(session: AsyncSession, task_id: int) -> CallTask:
    task = await session.get(CallTask, task_id)
    if task is None:
        raise NotFound("Cette tâche d'appel n'existe pas.", code="task_not_found")
    return task


async def claim_task(session: AsyncSession, task: CallTask, *, user_id: int, now: datetime) -> CallTask:
    """Lock ``task`` for ``user_id`` for about 15 minutes; 409 if another adviser holds it."""
    if task.status != TaskStatus.OPEN:
        raise Conflict("Cette tâche n'est plus à appeler.", code="task_closed",
                       details={"status": task.status})
    result = await session.execute(
        update(CallTask)
        .where(
            CallTask.id == task.id,
            CallTask.status == TaskStatus.OPEN,
            or_(CallTask.claimed_by.is_(None), CallTask.claimed_by == user_id,
                CallTask.claim_expires_at <= now),
        )
        .values(claimed_by=user_id, claim_expires_at=now + timedelta(minutes=CLAIM_MINUTES))
        .execution_options(synchronize_session=False)
    )
    await session.refresh(task)
    if result.rowcount != 1:
        raise Conflict(
            "Un autre conseiller appelle déjà ce locataire.", code="already_claimed",
            details={"claimed_by": task.claimed_by, "claim_expires_at": task.claim_expires_at},
        )
    return task


def _release(task: CallTask) -> None:
    task.claimed_by = None
    task.claim_expires_at = None


async def agency_department(session: AsyncSession, agency_id: int) -> str | None:
    return await session.scalar(select(Agency.department).where(Agency.id == agency_id))


async def record_attempt(
    session: AsyncSession,
    task: CallTask,
    *,
    user_id: int,
    outcome: str,
    now: datetime,
    tz: ZoneInfo,
    note: str | None = None,
    callback_at: datetime | None = None,
    phone_e164: str | None = None,
) -> CallAttempt:
    """Record one call and move the task on. Requires the claim (taken here when free) and
    releases it afterwards.

    - no_answer / voicemail / busy: retry the next working day in the other half-day;
      after ``MAX_ATTEMPTS`` of them the task is ``exhausted``.
    - callback_requested: ``callback_at`` (in the future) becomes the next attempt, first in
      the queue at that time.
    - wrong_number: that phone is marked invalid; the task stays open while another valid
      number remains, else it ends as ``wrong_number``.
    - refused ends the task; reached moves it to ``reached`` until the interview is posted.
    """
    if outcome not in Outcome.ALL:
        raise Invalid("Issue d'appel inconnue.", code="invalid_outcome", details={"allowed": Outcome.ALL})
    if outcome == Outcome.CALLBACK_REQUESTED:
        if callback_at is None:
            raise Invalid("Indiquez l'heure du rappel demandé.", code="callback_at_required")
        if callback_at <= now:
            raise Invalid("L'heure du rappel doit être dans le futur.", code="callback_in_past")
        callback_at = callback_at.astimezone(UTC)
    before = task_state(task)
    await claim_task(session, task, user_id=user_id, now=now)

    phones = (await callable_phones(session, [task.tenant_id])).get(task.tenant_id, [])
    if phone_e164 is None and phones:
        phone_e164 = phones[0].e164
    attempt = CallAttempt(task_id=task.id, at=now, adviser_id=user_id, outcome=outcome,
                          note=note or None, callback_at=callback_at, phone_e164=phone_e164)
    session.add(attempt)
    task.attempts += 1
    task.last_outcome = outcome
    task.requested_by_sms = False
    task.callback_at = None
    task.next_attempt_at = None

    if outcome in Outcome.NO_CONTACT:
        unanswered = await session.scalar(
            select(func.count()).select_from(CallAttempt)
            .where(CallAttempt.task_id == task.id, CallAttempt.outcome.in_(Outcome.NO_CONTACT))
        )
        if (unanswered or 0) >= MAX_ATTEMPTS:
            _close(task, TaskStatus.EXHAUSTED, now)
        else:
            department = await agency_department(session, task.agency_id)
            task.next_attempt_at = next_retry_at(now, tz, department)
    elif outcome == Outcome.CALLBACK_REQUESTED:
        task.callback_at = callback_at
        task.next_attempt_at = callback_at
    elif outcome == Outcome.WRONG_NUMBER:
        if phone_e164:
            await session.execute(
                update(Phone).where(Phone.tenant_id == task.tenant_id, Phone.e164 == phone_e164)
                .values(valid=False).execution_options(synchronize_session=False)
            )
        remaining = [p for p in phones if p.e164 != phone_e164]
        if remaining:
            task.next_attempt_at = now  # try the other number at once
        else:
            task.no_phone = True
            _close(task, TaskStatus.WRONG_NUMBER, now)
    elif outcome == Outcome.REFUSED:
        _close(task, TaskStatus.REFUSED, now)
    elif outcome == Outcome.REACHED:
        task.status = TaskStatus.REACHED
    _release(task)
    await session.flush()
    # The state before, so that an attempt recorded by mistake can be undone (crm.calls.undo).
    remember(session, task, attempt, before,
             phone_invalidated=phone_e164 if outcome == Outcome.WRONG_NUMBER else None)
    return attempt


def _close(task: CallTask, status: str, now: datetime) -> None:
    task.status = status
    task.closed_at = now
