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

from sqlalchemy import ColumnElement, exists, select
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


def concerns_reply(outbox_message_id: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL for "the SMS answered is one of a request's status messages" (the inbox returns
    it with the stored reply; ``on_inbound_reply`` only runs when it holds)."""
    sent = RequestMessage.__table__.alias("request_sms")  # named: RETURNING leaves columns bare
    return exists().where(sent.c.outbox_message_id == outbox_message_id)


async def on_inbound_reply(session: AsyncSession, *, outbox_message_id: int | None, body: str,
                           intent: str, now: datetime, tz: ZoneInfo) -> bool:
    """The inbox's hook for every stored incoming SMS: True when the message needs nothing
    more from an adviser (a score was understood), so the inbox files it as handled."""
    reaction = await handle_reply(session, outbox_message_id=outbox_message_id, body=body,
                                  intent=intent, now=now, tz=tz)
    return reaction is not None and reaction.handled


async def message_links(session: AsyncSession, message_id: int,
                        outbox_message_id: int | None) -> list[tuple[str, str]]:
    """Links the inbox shows beside a tenant's SMS: the request it answers or opened, and
    the form to open a request from it."""
    links: list[tuple[str, str]] = []
    found = await request_for_outbox(session, outbox_message_id)
    if found is not None:
        links.append((f"Réponse à la demande {found[0]}", f"/demandes/{found[0]}"))
    opened = (await session.scalars(select(TenantRequest.id).where(
        TenantRequest.inbound_message_id == message_id))).all()
    links += [(f"Demande {rid} ouverte depuis ce message", f"/demandes/{rid}") for rid in opened]
    links.append(("Créer une demande", f"/demandes/nouvelle?message_id={message_id}"))
    return links
