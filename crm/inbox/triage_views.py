"""Inbox tools for a pilot agency: text search, assignment to an adviser, planning the call
a tenant asked for by SMS, and the CSV export of what the inbox lists.

Kept apart from the inbox views so they stay small; the views call ``search_filter`` and
``assigned_filter`` and show the forms whose handlers live here.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import or_, select

from crm import auth
from crm.csvexport import excel_csv
from crm.inbox.list_state import conversation_url, state_from_form
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import INTENT_LABELS, Intent
from crm.keys import DB, SETTINGS
from crm.models import Tenant, User
from crm.phones import normalise_phone
from crm.web.flash import redirect
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


async def scoped_message(request: web.Request, session: Any) -> InboundMessage:
    from crm.inbox.views import _message

    return await _message(session, principal(request), int(request.match_info["id"]))


@auth.any_user
async def assign_submit(request: web.Request) -> web.StreamResponse:
    """Give the conversation to an adviser of its agency (or to nobody)."""
    form = await request.post()
    raw = str(form.get("assigned_to", "")).strip()
    async with request.app[DB].session() as session:
        message = await scoped_message(request, session)
        back = conversation_url(message.id, state_from_form(form))
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
async def inbox_csv(request: web.Request) -> web.StreamResponse:
    """The messages the inbox lists with the same filters, for Excel."""
    from crm.inbox.inbound import tenant_names
    from crm.inbox.views import inbox_where

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
]
