"""The French pages of requests: "Demandes" (per agency, filters, counts per step, sorted by
due time), "Mes demandes", a request's page (steps, SMS and their delivery, replies, one-click
step change, appointment picker), the form to open one, the SMS texts (admin) and the
indicators. Forms post back here and redirect with a message (no script needed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select

from crm import auth
from crm.calendar import to_utc
from crm.errors import ApiError, NotFound
from crm.inbox.models import InboundMessage
from crm.keys import DB
from crm.models import Agency, Tenant, User
from crm.requests import indicators, queries, service, sms_templates, steps
from crm.requests.models import MessageSkip, RequestSource, TenantRequest
from crm.requests.views import api_indicators_csv, now_of, save_template, scoped, tz_of
from crm.web import flash
from crm.web.jsonutil import MAX_INT, MAX_YEAR, MIN_YEAR, page_params
from crm.web.listing import page_links
from crm.web.middlewares import principal
from crm.web.render import render

OUTBOX_LABELS = {
    "pending": "en attente d'envoi", "sending": "en cours d'envoi", "sent": "envoyé",
    "delivered": "distribué", "undelivered": "non distribué", "failed": "échec",
    "unknown": "incertain (à vérifier)", "cancelled": "annulé", **MessageSkip.LABELS,
}


# The form field a refusal is about (docs/DEVELOPING.md "Form errors name the field").
_FIELD_OF_CODE = {"invalid_kind": "kind", "invalid_category": "category", "invalid_urgency": "urgency",
                  "invalid_owner": "owner_id", "appointment_required": "appointment_at"}


def _redirect(request: web.Request, path: str, text: str, *, kind: str = "ok",
              **query: Any) -> web.HTTPException:
    """To ``path`` (with ``query``: a draft being previewed) and a one-time message, never
    carried in the address."""
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return flash.redirect(request, path + (f"?{urlencode(params)}" if params else ""), text, kind=kind)


def _int(value: Any) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_INT else None


def _local_datetime(value: str, request: web.Request) -> datetime | None:
    """What a datetime-local input sends ("2026-11-17T14:30"), read as local time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    return to_utc(parsed if parsed.tzinfo else parsed.replace(tzinfo=tz_of(request)))


async def _names(session: Any, tenant_ids: set[int], user_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    tenants = {t.id: t.display_name for t in (await session.scalars(
        select(Tenant).where(Tenant.id.in_(tenant_ids)))).all()} if tenant_ids else {}
    users = {u.id: u.full_name or u.email for u in (await session.scalars(
        select(User).where(User.id.in_(user_ids)))).all()} if user_ids else {}
    return tenants, users


async def _owners(session: Any, agency_id: int | None) -> list[User]:
    stmt = select(User).where(User.active.is_(True)).order_by(User.email)
    if agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    return list((await session.scalars(stmt)).all())


async def _list_page(request: web.Request, *, mine: bool) -> web.Response:
    p, now = principal(request), now_of(request)
    try:
        page, per_page = page_params(request)
        owner = p.user_id if mine else _int(request.query.get("owner"))
        filters = queries.Filters.parse(request.query, owner_id=owner)
        agency = p.agency_scope(_int(request.query.get("agency")))
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _redirect(request, request.path, exc.message, kind="error") from None
    if not request.query.get("status") and not mine:
        filters.status = "open"  # what is still to do, unless asked otherwise
    scope = [] if agency is None else [TenantRequest.agency_id == agency]
    where = scope + filters.conditions(now)
    async with request.app[DB].session() as session:
        items, total = await queries.find(session, where, sort=filters.sort, page=page, per_page=per_page)
        count_filters = queries.Filters(**{**filters.__dict__, "status": None})
        counts = await service.count_by_status(session, scope + count_filters.conditions(now))
        late = await session.scalar(queries.count_stmt(scope + [service.late_condition(now)]))
        tenants, users = await _names(session, {i.tenant_id for i in items},
                                      {i.owner_id for i in items if i.owner_id})
        owners = await _owners(session, agency) if not mine else []
        agencies = list((await session.scalars(select(Agency).order_by(Agency.name))).all()) if p.is_admin else []
    query = {k: v for k, v in request.query.items() if k != "page"}
    pages = max(1, -(-total // per_page))
    return await render("requests/list.html", request, {
        "mine": mine, "items": items, "total": total, "counts": counts, "late_count": late or 0,
        "filters": filters, "tenants": tenants, "users": users, "owners": owners,
        "agencies": agencies, "agency": agency, "now": now, "labels": steps.LABELS,
        "kinds": steps.KINDS, "categories": steps.CATEGORIES, "category_label": steps.category_label,
        "page": page, "pages": pages, "links": page_links(page, pages, query),
        # Admins see every agency's requests: each row says whose it is.
        "agency_names": {a.id: a.name for a in agencies} if agency is None else {},
        "sort_url": lambda sort: f"{request.path}?{urlencode({**query, 'sort': sort})}",
    })


@auth.any_user
async def requests_page(request: web.Request) -> web.Response:
    """Demandes."""
    return await _list_page(request, mine=False)


@auth.any_user
async def my_requests_page(request: web.Request) -> web.Response:
    """Mes demandes."""
    return await _list_page(request, mine=True)


@auth.any_user
async def request_page(request: web.Request) -> web.Response:
    """A request: its steps, SMS and replies, and the buttons to move it on."""
    p, now = principal(request), now_of(request)
    async with request.app[DB].session() as session:
        item = await scoped(session, request, int(request.match_info["id"]))
        detail = (await service.details(session, [item.id]))[item.id]  # type: ignore[list-item,index]  # a stored row has its id
        outbox_ids = [m.outbox_message_id for m, _ in detail.messages.values() if m.outbox_message_id]
        replies = list((await session.scalars(
            select(InboundMessage).where(InboundMessage.outbox_message_id.in_(outbox_ids),
                                         InboundMessage.agency_id == item.agency_id)
            .order_by(InboundMessage.received_at))).all()) if outbox_ids else []
        tenant = await session.get(Tenant, item.tenant_id)
        user_ids = {s.user_id for s in detail.steps if s.user_id} | ({item.owner_id} if item.owner_id else set())
        _, users = await _names(session, set(), user_ids)
        owners = await _owners(session, item.agency_id)
        if item.reopened_alert_at is not None and item.owner_id == p.user_id:
            item.reopened_alert_at = None  # the owner has seen it
            await session.commit()
    data = service.request_json(item, detail, now)
    texts = {}
    for step, (message, _) in detail.messages.items():
        texts[step] = message
    bodies = await _outbox_bodies(request, [m.outbox_message_id for m in texts.values() if m.outbox_message_id])
    next_steps = [s for s in (*steps.ORDER, steps.CANCELLED) if steps.is_allowed(item.status, s)]
    return await render("requests/detail.html", request, {
        "item": item, "data": data, "tenant": tenant, "users": users, "owners": owners,
        "replies": replies, "bodies": bodies, "labels": steps.LABELS, "actions": steps.ACTIONS,
        "next_steps": next_steps, "kinds": steps.KINDS, "urgencies": steps.URGENCIES,
        "category_label": steps.category_label, "outbox_labels": OUTBOX_LABELS,
        "sms_labels": sms_templates.STEP_LABELS, "messages": texts,
        "default_appointment": "",
    })


async def _outbox_bodies(request: web.Request, ids: list[int]) -> dict[int, Any]:
    from crm.campaigns.models import OutboxMessage

    if not ids:
        return {}
    async with request.app[DB].session() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
        return {m.id: m for m in rows.all() if m.id is not None}


@auth.any_user
async def request_step_submit(request: web.Request) -> web.Response:
    """Move a request to a step (one click; the appointment for "scheduled")."""
    form = await request.post()
    request_id = int(request.match_info["id"])
    back = f"/demandes/{request_id}"
    status = str(form.get("status", ""))
    appointment = None
    if status == steps.SCHEDULED:
        appointment = _local_datetime(str(form.get("appointment_at", "")), request)
        if appointment is None:
            raise flash.redirect(request, back, "Choisissez la date et l'heure du rendez-vous.",
                                 kind="error", field="appointment_at")
    p = principal(request)
    try:
        async with request.app[DB].session() as session:
            item = await scoped(session, request, request_id)
            item = await service.locked(session, item.id)
            await service.change_status(session, item, status, now=now_of(request), tz=tz_of(request),
                                        user_id=p.user_id, note=str(form.get("note", ""))[:2000],
                                        appointment_at=appointment)
            await session.commit()
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        raise flash.redirect(request, back, exc.message, kind="error",
                             field=_FIELD_OF_CODE.get(exc.code)) from None
    service.wake(request.app)
    raise flash.redirect(request, back, f"Étape « {steps.LABELS[status]} » enregistrée.")


@auth.any_user
async def request_owner_submit(request: web.Request) -> web.Response:
    """Give the request to an adviser of the agency."""
    form = await request.post()
    request_id = int(request.match_info["id"])
    back = f"/demandes/{request_id}"
    try:
        async with request.app[DB].session() as session:
            item = await scoped(session, request, request_id)
            await service.set_owner(session, item, _int(form.get("owner_id")), now_of(request))
            await session.commit()
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        raise flash.redirect(request, back, exc.message, kind="error",
                             field=_FIELD_OF_CODE.get(exc.code)) from None
    raise flash.redirect(request, back, "Responsable enregistré.")


async def _prefill(request: web.Request, session: Any) -> dict[str, Any]:
    """The new-request form, prefilled from a tenant or from an SMS the tenant sent."""
    p = principal(request)
    tenant_id = _int(request.query.get("tenant"))
    message_id = _int(request.query.get("message_id"))
    description = ""
    if message_id is not None:
        message = await session.get(InboundMessage, message_id)
        if message is None:
            raise NotFound("Message introuvable.", code="message_not_found")
        p.check_agency(message.agency_id)
        tenant_id, description = message.tenant_id, message.body
    tenant = await session.get(Tenant, tenant_id) if tenant_id else None
    if tenant is not None:
        agency_id, _ = await service.tenant_agency(session, tenant.id)
        p.check_agency(agency_id)
    return {"tenant": tenant, "message_id": message_id, "description": description}


@auth.any_user
async def request_new_page(request: web.Request) -> web.Response:
    """Nouvelle demande."""
    async with request.app[DB].session() as session:
        ctx = await _prefill(request, session)
    return await render("requests/new.html", request, {
        **ctx, "kinds": steps.KINDS, "categories": steps.CATEGORIES, "urgencies": steps.URGENCIES,
    })


@auth.any_user
async def request_new_submit(request: web.Request) -> web.Response:
    """Open a request from the form."""
    form = await request.post()
    p, now = principal(request), now_of(request)
    tenant_id = _int(form.get("tenant_id"))
    message_id = _int(form.get("message_id"))
    back = "/demandes/nouvelle?" + urlencode({k: v for k, v in (("tenant", tenant_id), ("message_id", message_id)) if v})
    if tenant_id is None:
        raise flash.redirect(request, "/demandes/nouvelle", "Choisissez le locataire (depuis sa fiche).",
                             kind="error")
    data = service.NewRequest(
        tenant_id=tenant_id, kind=str(form.get("kind", "")), category=str(form.get("category", ""))[:60],
        description=str(form.get("description", ""))[:4000],
        urgency=str(form.get("urgency", "")) or None)
    try:
        async with request.app[DB].session() as session:
            agency_id, _ = await service.tenant_agency(session, tenant_id)
            p.check_agency(agency_id)
            if message_id is not None:
                message = await session.get(InboundMessage, message_id)
                if message is None or message.tenant_id != tenant_id:
                    message_id = None
            item = await service.create_request(
                session, data, now=now, tz=tz_of(request), user_id=p.user_id,
                source=RequestSource.INBOX if message_id else RequestSource.PAGE,
                inbound_message_id=message_id)
            await service.set_owner(session, item, p.user_id if p.agency_id == agency_id else None, now)
            await session.commit()
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        # Back to the form with what was typed, the refused field marked.
        draft = {"kind": data.kind, "category": data.category, "urgency": data.urgency or "",
                 "description": data.description}
        raise flash.redirect(request, back, exc.message, kind="error",
                             field=_FIELD_OF_CODE.get(exc.code), draft=draft) from None
    service.wake(request.app)
    raise flash.redirect(request, f"/demandes/{item.id}", "Demande enregistrée.")


@auth.admins
async def templates_page(request: web.Request) -> web.Response:
    """Textes des SMS des demandes."""
    async with request.app[DB].session() as session:
        current = await sms_templates.current_templates(session)
    drafts = {s: request.query.get(f"draft_{s}") for s in sms_templates.STEPS}
    rows = []
    for step, (body, enabled) in current.items():
        text = drafts.get(step) or body
        try:
            preview = sms_templates.preview(text)
        except ApiError as exc:
            preview = {"error": exc.message}
        rows.append({"step": step, "label": sms_templates.STEP_LABELS[step], "body": text,
                     "enabled": enabled, "preview": preview})
    return await render("requests/sms_templates.html", request, {
        "rows": rows, "placeholders": sms_templates.TENANT_NAMES + sms_templates.REQUEST_NAMES,
    })


@auth.admins
async def templates_submit(request: web.Request) -> web.Response:
    """Save (or preview) the SMS text of one step."""
    form = await request.post()
    step, body = str(form.get("step", "")), str(form.get("body", ""))[:2000]
    if form.get("action") == "preview":
        raise _redirect(request, "/demandes/sms", "Aperçu mis à jour (non enregistré).", **{f"draft_{step}": body})
    try:
        await save_template(request, step, body, form.get("enabled") == "1")
    except ApiError as exc:
        raise _redirect(request, "/demandes/sms", exc.message, kind="error", **{f"draft_{step}": body}) from None
    raise _redirect(request, "/demandes/sms", f"Texte « {sms_templates.STEP_LABELS[step]} » enregistré.")


@auth.managers
async def indicators_page(request: web.Request) -> web.Response:
    """Indicateurs des demandes."""
    p = principal(request)
    try:
        period = indicators.Period.parse(request.query, now_of(request), tz_of(request))
        agency = p.agency_scope(_int(request.query.get("agency")))
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _redirect(request, request.path, exc.message, kind="error") from None
    async with request.app[DB].session() as session:
        rows = await indicators.compute(session, period, agency, tz_of(request), now_of(request))
    return await render("requests/indicators.html", request, {
        "rows": rows, "period": period, "agency": agency, "labels": steps.LABELS,
        "kinds": steps.KINDS, "urgencies": indicators.URGENCY_CODES,
        "csv_query": urlencode({k: v for k, v in (("from", period.first), ("to", period.last),
                                                  ("agency", agency)) if v}),
    })


PAGE_ROUTES = [
    ("GET", "/demandes", requests_page, "requests_page"),
    ("GET", "/demandes/mes", my_requests_page, "my_requests_page"),
    ("GET", "/demandes/nouvelle", request_new_page, "request_new_page"),
    ("POST", "/demandes/nouvelle", request_new_submit, "request_new_submit"),
    ("GET", "/demandes/{id:\\d+}", request_page, "request_page"),
    ("POST", "/demandes/{id:\\d+}/etape", request_step_submit, "request_step_submit"),
    ("POST", "/demandes/{id:\\d+}/responsable", request_owner_submit, "request_owner_submit"),
    ("GET", "/demandes/sms", templates_page, "request_templates_page"),
    ("POST", "/demandes/sms", templates_submit, "request_templates_submit"),
    ("GET", "/demandes/indicateurs", indicators_page, "request_kpi_page"),
    ("GET", "/demandes/indicateurs.csv", api_indicators_csv, "request_kpi_csv"),
]


async def my_alerts_context(request: web.Request) -> dict[str, Any]:
    """The badge on "Mes demandes": requests the tenant reopened, not seen by their owner."""
    from crm.web.middlewares import PRINCIPAL

    p = request.get(PRINCIPAL)
    if p is None:
        return {}
    async with request.app[DB].session() as session:
        n = await session.scalar(queries.count_stmt([
            TenantRequest.owner_id == p.user_id, TenantRequest.reopened_alert_at.is_not(None)]))
    return {"my_requests_alerts": n or 0}


def install(app: web.Application) -> None:
    from crm.keys import PAGE_CONTEXT

    if my_alerts_context not in app[PAGE_CONTEXT]:
        app[PAGE_CONTEXT].append(my_alerts_context)
