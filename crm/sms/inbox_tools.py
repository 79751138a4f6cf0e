"""Inbox tools for a pilot agency: text search, assignment to an adviser, planning the call
a tenant asked for by SMS, and the CSV export of what the inbox lists.

Kept apart from the inbox views so they stay small; the views call ``search_filter`` and
``assigned_filter`` and show the forms whose handlers live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import or_, select

from crm import auth, calendar
from crm.calls.tasks import request_callback_from_sms
from crm.csvexport import excel_csv
from crm.models import Tenant, User
from crm.phones import normalise_phone
from crm.sms.models import InboundMessage, InboundStatus
from crm.sms.understanding import INTENT_LABELS, Intent
from crm.web.flash import redirect
from crm.web.keys import CLOCK, DB, SETTINGS
from crm.web.middlewares import principal

MAX_QUERY = 100
CSV_LIMIT = 50_000


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_filter(q: str | None) -> list[Any]:
    """``q`` in the message text, the tenant's name or the number (any French writing)."""
    # PostgreSQL refuses NUL characters in text parameters.
    q = (q or "").replace("\x00", "").strip()[:MAX_QUERY]
    if not q:
        return []
    pattern = f"%{_escape_like(q.lower())}%"
    names = select(Tenant.id).where(or_(
        Tenant.last_name.ilike(pattern, escape="\\"), Tenant.first_name.ilike(pattern, escape="\\")))
    conditions = [InboundMessage.body.ilike(pattern, escape="\\"), InboundMessage.tenant_id.in_(names)]
    phone = normalise_phone(q) if any(c.isdigit() for c in q) else None
    if phone is not None and phone.e164:
        conditions.append(InboundMessage.from_e164 == phone.e164)
    return [or_(*conditions)]


def assigned_filter(value: str | None, user_id: int) -> list[Any]:
    """``moi`` (mine), ``personne`` (nobody) or nothing."""
    if value == "moi":
        return [InboundMessage.assigned_to == user_id]
    if value == "personne":
        return [InboundMessage.assigned_to.is_(None)]
    return []


async def advisers_of(session: Any, agency_id: int | None) -> list[User]:
    """Who a conversation can be given to: the agency's users (admins: anyone active)."""
    where = [User.agency_id == agency_id] if agency_id is not None else []
    return list(await session.scalars(select(User).where(*where).order_by(User.full_name, User.email)))


async def _scoped(request: web.Request, session: Any) -> InboundMessage:
    from crm.sms.views import _message

    return await _message(session, principal(request), int(request.match_info["id"]))


@auth.any_user
async def assign_submit(request: web.Request) -> web.StreamResponse:
    """Give the conversation to an adviser of its agency (or to nobody)."""
    form = await request.post()
    raw = str(form.get("assigned_to", "")).strip()
    async with request.app[DB].session() as session:
        message = await _scoped(request, session)
        back = f"/messages/{message.id}"
        if raw == "":
            message.assigned_to = None
            text = "Conversation rendue à l'agence (personne n'en est chargé)."
        else:
            allowed = {u.id: u for u in await advisers_of(session, message.agency_id)}
            if not raw.isdigit() or int(raw) not in allowed:
                raise redirect(request, back, "Choisissez un conseiller de l'agence.", kind="error",
                               field="assigned_to")
            message.assigned_to = int(raw)
            user = allowed[int(raw)]
            text = f"Conversation confiée à {user.full_name or user.email}."
        await session.commit()
    raise redirect(request, back, text)


@auth.any_user
async def schedule_callback_submit(request: web.Request) -> web.StreamResponse:
    """« Planifier le rappel »: a tenant asked to be called back; the adviser picks the time
    and the call goes into the queue at that time (crm.calls.tasks)."""
    form = await request.post()
    settings, now = request.app[SETTINGS], request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        message = await _scoped(request, session)
        back = f"/messages/{message.id}"
        if message.tenant_id is None:
            raise redirect(request, back, "Numéro inconnu : aucun locataire à rappeler.", kind="error")
        try:
            at = datetime.fromisoformat(str(form.get("callback_at", "")).strip())
        except ValueError:
            raise redirect(request, back, "Indiquez le jour et l'heure du rappel.", kind="error",
                           field="callback_at") from None
        at = (at.replace(tzinfo=settings.tz) if at.tzinfo is None else at)
        if at <= now or at.year > now.year + 1:
            raise redirect(request, back, "Le rappel doit être dans le futur (et dans l'année).",
                           kind="error", field="callback_at")
        task = await request_callback_from_sms(session, tenant_id=message.tenant_id, at=now, tz=settings.tz)
        if task is None:
            raise redirect(request, back, "Ce locataire n'a plus de bail actif : rien à planifier.",
                           kind="error")
        day = calendar.local_today(at, settings.tz)
        if day > task.window_end:
            if task.kind != "callback":
                # A courtesy call has its month: past it, the callback would never show.
                raise redirect(request, back, f"Choisissez un jour avant la fin de la fenêtre d'appel "
                               f"({task.window_end:%d/%m/%Y}).", kind="error", field="callback_at")
            task.window_end = day
        task.callback_at = task.next_attempt_at = at
        message.status, message.handled_by, message.handled_at = InboundStatus.HANDLED, principal(request).user_id, now
        await session.commit()
    raise redirect(request, back, f"Rappel planifié le {at.astimezone(settings.tz):%d/%m/%Y à %H:%M} : "
                                  "il sera en tête des appels à cette heure-là.")


@auth.any_user
async def inbox_csv(request: web.Request) -> web.StreamResponse:
    """The messages the inbox lists with the same filters, for Excel."""
    from crm.sms.inbound import tenant_names
    from crm.sms.views import inbox_where

    where = inbox_where(request)
    async with request.app[DB].session() as session:
        rows = list(await session.scalars(
            select(InboundMessage).where(*where)
            .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(CSV_LIMIT)))
        names = await tenant_names(session, {m.tenant_id for m in rows if m.tenant_id})
        users = {u.id: u.full_name or u.email for u in await session.scalars(
            select(User).where(User.id.in_({m.assigned_to for m in rows if m.assigned_to})))}
    tz = request.app[SETTINGS].tz
    body = excel_csv(
        ["Reçu le", "Numéro", "Locataire", "Message", "Intention", "État", "Chargé"],
        ([m.received_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"), m.from_e164,
          names.get(m.tenant_id or 0, ""), m.body, INTENT_LABELS.get(m.intent, m.intent),
          "À traiter" if m.status == InboundStatus.OPEN else "Traité",
          users.get(m.assigned_to or 0, "")] for m in rows))
    return web.Response(body=body, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="messages-recus.csv"'})


def is_callback_request(message: InboundMessage) -> bool:
    return message.intent == Intent.CALLBACK_REQUEST and message.tenant_id is not None


PAGE_ROUTES = [
    ("GET", "/messages.csv", inbox_csv, "inbox_csv"),
    ("POST", "/messages/{id:\\d+}/attribuer", assign_submit, "inbox_assign_submit"),
    ("POST", "/messages/{id:\\d+}/rappel", schedule_callback_submit, "inbox_callback_submit"),
]
