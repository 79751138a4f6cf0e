"""What a tenant's SMS means for their request: the inbox calls ``handle_reply`` for every
incoming message (a registered reply handler, so the inbox never imports request internals).

A reply is the request's when the SMS it answers (the inbox's threading) is one of the
request's status messages. Then:
- to the satisfaction question: a clear score is kept on the request and the message filed;
  an unclear answer stays in the inbox;
- after ``done``, "toujours pas réparé" (the inbox's ``problem_persists``) reopens the
  request (``done → in_progress``) and alerts its owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.requests import steps
from crm.requests.models import RequestMessage, TenantRequest
from crm.requests.satisfaction import parse_score
from crm.requests.service import locked, reopen
from crm.requests.sms_templates import SATISFACTION

PROBLEM_PERSISTS = "problem_persists"  # the inbox's intent for "toujours pas réparé"


@dataclass(frozen=True)
class Reaction:
    request_id: int
    handled: bool  # nothing left for an adviser: file the message
    reopened: bool = False
    score: int | None = None


async def request_for_outbox(session: AsyncSession, outbox_message_id: int | None) -> tuple[int, str] | None:
    """(request id, step) of a status SMS, or None when the SMS is not a request's."""
    if outbox_message_id is None:
        return None
    row = (await session.execute(
        select(RequestMessage.request_id, RequestMessage.step)
        .where(RequestMessage.outbox_message_id == outbox_message_id))).first()
    return (row[0], row[1]) if row else None


async def handle_reply(session: AsyncSession, *, outbox_message_id: int | None, body: str,
                       intent: str, now: datetime, tz: ZoneInfo) -> Reaction | None:
    """React to one incoming SMS threaded to ``outbox_message_id``; the caller commits."""
    found = await request_for_outbox(session, outbox_message_id)
    if found is None:
        return None
    request_id, step = found
    request: TenantRequest = await locked(session, request_id)
    if request.status == steps.DONE and intent == PROBLEM_PERSISTS:
        done = await reopen(session, request, now=now, tz=tz,
                            note=f"Le locataire a répondu « {body.strip()[:120]} »")
        return Reaction(request_id, handled=False, reopened=done)
    if step == SATISFACTION and request.satisfaction is None:
        score = parse_score(body)
        if score is not None:
            request.satisfaction = score
            request.satisfaction_at = now
            await session.flush()
            return Reaction(request_id, handled=True, score=score)
    return Reaction(request_id, handled=False)
