"""Tenant requests over HTTP, the JSON API of API.md ("Tenant requests and their status
messages") plus the SMS templates and the indicators. Views parse, check scope and call
``crm.requests.service``; the pages are in ``crm/requests/pages.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from crm import auth
from crm.calendar import to_utc
from crm.errors import Invalid, NotFound
from crm.keys import CLOCK, DB, SETTINGS
from crm.requests import indicators, queries, service, sms_templates, steps
from crm.requests.models import RequestSmsTemplate, RequestSource, TenantRequest
from crm.web.jsonutil import (
    MAX_INT,
    MAX_YEAR,
    MIN_YEAR,
    int_param,
    json_response,
    page_params,
    paginated,
    read_json,
)
from crm.web.middlewares import principal

Status = Literal["registered", "taken_on", "scheduled", "in_progress", "done", "closed", "cancelled"]


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant_id: int
    kind: Literal["technical", "administrative"]
    category: str = Field(min_length=1, max_length=60)
    description: str = Field(default="", max_length=4000)
    urgency: Literal["U1", "U2", "U3"] | None = None
    external_ref: str | None = Field(default=None, min_length=1, max_length=80)
    owner_id: int | None = None


class PushIn(RequestIn):
    status: Status = "registered"
    note: str | None = Field(default=None, max_length=2000)
    appointment_at: datetime | None = None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    note: str | None = Field(default=None, max_length=2000)
    appointment_at: datetime | None = None


class OwnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: int | None


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=2000)
    enabled: bool = True


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(max_length=2000)


def now_of(request: web.Request) -> datetime:
    return request.app[CLOCK].now()


def tz_of(request: web.Request) -> Any:
    return request.app[SETTINGS].tz


def aware(value: datetime | None, request: web.Request) -> datetime | None:
    """An appointment without an offset is local time (what a person types)."""
    if value is None:
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Invalid("Cette date est hors limites.", code="invalid_date")
    return to_utc(value if value.tzinfo is not None else value.replace(tzinfo=tz_of(request)))


def _new(body: RequestIn) -> service.NewRequest:
    return service.NewRequest(tenant_id=body.tenant_id, kind=body.kind, category=body.category,
                              description=body.description, urgency=body.urgency,
                              external_ref=body.external_ref, owner_id=body.owner_id)


async def one_json(session: Any, item: TenantRequest, now: datetime) -> dict[str, Any]:
    detail = (await service.details(session, [item.id]))[item.id]  # type: ignore[list-item,index]  # a stored row has its id
    return service.request_json(item, detail, now)


async def scoped(session: Any, request: web.Request, request_id: int) -> TenantRequest:
    item = await session.get(TenantRequest, request_id) if request_id <= MAX_INT else None
    if item is None:
        raise NotFound("Demande introuvable.", code="request_not_found")
    principal(request).check_agency(item.agency_id)
    return item


@auth.any_user
async def api_create(request: web.Request) -> web.Response:
    """Open a request for a tenant (status registered; its SMS queued)."""
    body = await read_json(request, RequestIn)
    p, now = principal(request), now_of(request)
    async with request.app[DB].session() as session:
        agency_id, _ = await service.tenant_agency(session, body.tenant_id)
        p.check_agency(agency_id)
        try:
            item = await service.create_request(session, _new(body), now=now, tz=tz_of(request),
                                                user_id=p.user_id, source=RequestSource.API)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise Invalid("Cette référence externe existe déjà.", code="external_ref_taken") from None
        out = await one_json(session, item, now)
    service.wake(request.app)
    return json_response(out, status=201)


@auth.any_user
async def api_push(request: web.Request) -> web.Response:
    """Create or update a request by the landlord's reference (idempotent).

    The same body twice changes nothing and sends nothing; a step older than the current one
    is ignored (``ignored_status``), not an error. 201 when created, else 200.
    """
    ref = request.match_info["external_ref"].strip()
    if not ref or len(ref) > 80:
        raise Invalid("Référence externe invalide.", code="invalid_external_ref")
    body = await read_json(request, PushIn)
    p, now = principal(request), now_of(request)
    pushed = await service.push_by_ref_retrying(
        request.app[DB].session, ref, _new(body), body.status, now=now, tz=tz_of(request),
        user_id=p.user_id, note=body.note, appointment_at=aware(body.appointment_at, request),
        check_agency=p.check_agency)
    async with request.app[DB].session() as session:
        out = await one_json(session, await scoped(session, request, pushed.request.id), now)
    out.update({"created": pushed.created, "changed": pushed.changed,
                "ignored_status": pushed.ignored_status})
    if pushed.changed:
        service.wake(request.app)
    return json_response(out, status=201 if pushed.created else 200)


@auth.any_user
async def api_status(request: web.Request) -> web.Response:
    """Move a request to a step (forward only; ``done → in_progress`` reopens it)."""
    body = await read_json(request, StatusIn)
    p, now = principal(request), now_of(request)
    async with request.app[DB].session() as session:
        item = await scoped(session, request, int(request.match_info["id"]))
        item = await service.locked(session, item.id)
        await service.change_status(session, item, body.status, now=now, tz=tz_of(request),
                                    user_id=p.user_id, note=body.note,
                                    appointment_at=aware(body.appointment_at, request))
        await session.commit()
        out = await one_json(session, item, now)
    service.wake(request.app)
    return json_response(out)


@auth.any_user
async def api_owner(request: web.Request) -> web.Response:
    """Give the request to an adviser of its agency (or to nobody)."""
    body = await read_json(request, OwnerIn)
    now = now_of(request)
    async with request.app[DB].session() as session:
        item = await scoped(session, request, int(request.match_info["id"]))
        await service.set_owner(session, item, body.owner_id, now)
        await session.commit()
        out = await one_json(session, item, now)
    return json_response(out)


@auth.any_user
async def api_list(request: web.Request) -> web.Response:
    """Requests (status, agency, tenant, kind, category, owner, late=true; sort=due|-due|recent)."""
    p, now = principal(request), now_of(request)
    page, per_page = page_params(request)
    filters = queries.Filters.parse(request.query, owner_id=int_param(request, "owner"),
                                    tenant_id=int_param(request, "tenant"))
    where = p.scope_filter(TenantRequest.agency_id, int_param(request, "agency")) + filters.conditions(now)
    async with request.app[DB].session() as session:
        items, total = await queries.find(session, where, sort=filters.sort, page=page, per_page=per_page)
        found = await service.details(session, [i.id for i in items])  # type: ignore[misc]
    return json_response(paginated([service.request_json(i, found[i.id], now) for i in items],  # type: ignore[index]
                                   total, page))


@auth.any_user
async def api_get(request: web.Request) -> web.Response:
    """One request with its steps and the SMS sent for them."""
    now = now_of(request)
    async with request.app[DB].session() as session:
        item = await scoped(session, request, int(request.match_info["id"]))
        out = await one_json(session, item, now)
    return json_response(out)


# --- SMS templates (admin) --------------------------------------------------------------------


async def templates_json(session: Any) -> list[dict[str, Any]]:
    current = await sms_templates.current_templates(session)
    return [{"step": step, "label": sms_templates.STEP_LABELS[step], "body": body,
             "enabled": enabled, "preview": sms_templates.preview(body)}
            for step, (body, enabled) in current.items()]


@auth.admins
async def api_templates(request: web.Request) -> web.Response:
    """The status SMS texts per step, with a preview (sample values, encoding, segments)."""
    async with request.app[DB].session() as session:
        return json_response({"items": await templates_json(session),
                              "placeholders": list(sms_templates.TENANT_NAMES + sms_templates.REQUEST_NAMES)})


async def save_template(request: web.Request, step: str, body: str, enabled: bool) -> None:
    if step not in sms_templates.STEPS:
        raise NotFound("Étape inconnue.", code="step_not_found")
    clean = sms_templates.check_body(body)
    async with request.app[DB].session() as session:
        row = await session.get(RequestSmsTemplate, step)
        if row is None:
            row = RequestSmsTemplate(step=step, body=clean, enabled=enabled, updated_at=now_of(request))
            session.add(row)
        row.body, row.enabled, row.updated_at = clean, enabled, now_of(request)
        row.updated_by = principal(request).user_id
        await session.commit()


@auth.admins
async def api_template_put(request: web.Request) -> web.Response:
    """Set the SMS text of one step (sandboxed placeholders; unknown ones are a 422)."""
    body = await read_json(request, TemplateIn)
    await save_template(request, request.match_info["step"], body.body, body.enabled)
    return json_response({"step": request.match_info["step"], **sms_templates.preview(body.body),
                          "enabled": body.enabled})


@auth.admins
async def api_template_preview(request: web.Request) -> web.Response:
    """Preview a status SMS text with sample values: text, encoding, segments."""
    body = await read_json(request, PreviewIn)
    return json_response(sms_templates.preview(body.body))


# --- indicators ---------------------------------------------------------------------------------


async def _indicator_rows(request: web.Request) -> tuple[indicators.Period, list[dict[str, Any]]]:
    """The period asked for (from, to = YYYY-MM) and its rows, in the user's agency scope."""
    period = indicators.Period.parse(request.query, now_of(request), tz_of(request))
    scope = principal(request).agency_scope(int_param(request, "agency"))
    async with request.app[DB].session() as session:
        rows = await indicators.compute(session, period, scope, tz_of(request), now_of(request))
    return period, rows


@auth.managers
async def api_indicators(request: web.Request) -> web.Response:
    """Request indicators per agency and month (from, to = YYYY-MM)."""
    period, rows = await _indicator_rows(request)
    return json_response({"from": period.first, "to": period.last, "items": rows})


@auth.managers
async def api_indicators_csv(request: web.Request) -> web.Response:
    """The request indicators as CSV (Excel, ;-separated, UTF-8 with BOM)."""
    period, rows = await _indicator_rows(request)
    return web.Response(body=indicators.to_csv(rows), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="demandes-{period.first}-{period.last}.csv"'})


# What the route table cannot tell /api/openapi.json (crm/web/openapi.py reads these).
_INT: dict[str, Any] = {"type": "integer"}
_STR: dict[str, Any] = {"type": "string"}
_PAGING = {"page": ({"type": "integer", "minimum": 1, "default": 1}, "Page, from 1."),
           "per_page": ({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50},
                        "Items per page (at most 1000).")}
_AGENCY = {"agency": (_INT, "Agency id (admins; others: their own agency).")}
_MONTHS = {"from": ({"type": "string", "pattern": "^\\d{4}-\\d{2}$"}, "First month (YYYY-MM)."),
           "to": ({"type": "string", "pattern": "^\\d{4}-\\d{2}$"}, "Last month (YYYY-MM)."), **_AGENCY}
api_create.openapi = {"body": "crm.requests.views:RequestIn", "status": 201}
api_push.openapi = {"body": "crm.requests.views:PushIn",
                    "responses": {"409": "The reference is another tenant's."}}
api_status.openapi = {"body": "crm.requests.views:StatusIn",
                      "responses": {"409": "Not a step forward (nor a reopening)."}}
api_owner.openapi = {"body": "crm.requests.views:OwnerIn"}
api_list.openapi = {"query": {
    "status": ({"type": "string", "enum": [*steps.ALL, "open", "all"]},
               "A step, open (every open step) or all (default)."),
    "tenant": (_INT, "Tenant id."), "late": ({"type": "boolean"}, "Only requests past due."),
    "kind": ({"type": "string", "enum": list(steps.KINDS)}, "Kind."),
    "category": (_STR, "Category."), "owner": (_INT, "Owner (user id)."),
    "sort": ({"type": "string", "enum": list(queries.SORTS)}, "Order (default: due time)."),
    **_AGENCY, **_PAGING}}
api_template_put.openapi = {"body": "crm.requests.views:TemplateIn"}
api_template_preview.openapi = {"body": "crm.requests.views:PreviewIn"}
api_indicators.openapi = {"query": _MONTHS}
api_indicators_csv.openapi = {"query": _MONTHS, "produces": "text/csv"}

API_ROUTES = [
    ("POST", "/api/v1/requests", api_create, "api_requests_create"),
    ("GET", "/api/v1/requests", api_list, "api_requests"),
    ("PUT", "/api/v1/requests/by-ref/{external_ref}", api_push, "api_requests_push"),
    ("GET", "/api/v1/requests/{id:\\d+}", api_get, "api_request"),
    ("POST", "/api/v1/requests/{id:\\d+}/status", api_status, "api_request_status"),
    ("POST", "/api/v1/requests/{id:\\d+}/owner", api_owner, "api_request_owner"),
    ("GET", "/api/v1/requests/sms-templates", api_templates, "api_request_templates"),
    ("PUT", "/api/v1/requests/sms-templates/{step}", api_template_put, "api_request_template"),
    ("POST", "/api/v1/requests/sms-templates/preview", api_template_preview,
     "api_request_template_preview"),
    ("GET", "/api/v1/kpi/requests", api_indicators, "api_kpi_requests"),
    ("GET", "/api/v1/kpi/requests.csv", api_indicators_csv, "api_kpi_requests_csv"),
]
