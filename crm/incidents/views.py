"""Incidents: the JSON API of API.md "Incidents: outages and planned stops". Managers act on
their agency's incidents; advisers read them and log contacts. Pages: ``crm.incidents.pages``."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from crm import auth, calendar
from crm.errors import ApiError
from crm.incidents import read, service
from crm.incidents.kpi import incident_kpi
from crm.incidents.pages import PAGE_ROUTES as PAGES
from crm.incidents.rebates import rebates_csv
from crm.keys import CLOCK, DB, SETTINGS
from crm.web.jsonutil import date_param, int_param, json_response, page_params, paginated, read_json
from crm.web.middlewares import principal

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _id(request: web.Request) -> int:
    return int(request.match_info["id"])  # the middleware refused ids no column can hold


async def incident_answer(request: web.Request, incident_id: int, status: int = 200,
                          **extra: Any) -> web.Response:
    async with request.app[DB].session() as session:
        incident = await service.get_incident(session, incident_id, principal(request))
        [item] = await read.incidents_json(session, [incident], request.app[CLOCK].now())
    return json_response(item | {k: v for k, v in extra.items() if v is not None}, status=status)


@auth.managers
async def api_declare(request: web.Request) -> web.Response:
    """Declare an incident (an outage, or a planned stop with its referent).

    Body `{kind, planned, scope, starts_at, expected_end_at?, title?, description?, referent?,
    force_short_notice?}`; a planned stop less than 8 days ahead without a reason answers 422
    `notice_too_short`.
    """
    data = await read_json(request, service.IncidentIn)
    incident_id = await service.declare(request.app, data, principal(request))
    return await incident_answer(request, incident_id, status=201)


@auth.any_user
async def api_list(request: web.Request) -> web.Response:
    """Incidents of the agency (status=open|resolved|all, kind), open ones first."""
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        items, total = await read.list_incidents(
            session, principal(request), status=request.query.get("status") or "open",
            agency=int_param(request, "agency"), kind=request.query.get("kind") or None,
            page=page, per_page=per_page, now=request.app[CLOCK].now())
    return json_response(paginated(items, total, page))


@auth.any_user
async def api_detail(request: web.Request) -> web.Response:
    """One incident: households, commitments, campaigns, replies, contacts and timeline."""
    return await incident_answer(request, _id(request))


@auth.managers
async def api_notify(request: web.Request) -> web.Response:
    """Tell the incident's households by SMS (a campaign through the outbox).

    Body `{body?, preset?, send_at?, reminder_day_before?}` → 202 `{campaign_id}`.
    """
    data = await read_json(request, service.NotifyIn)
    out = await service.notify(request.app, _id(request), principal(request), data)
    return json_response(out, status=202)


@auth.managers
async def api_update(request: web.Request) -> web.Response:
    """Add an update ("reprise prévue demain 14 h"), optionally sent by SMS."""
    data = await read_json(request, service.UpdateIn)
    incident_id = _id(request)
    error = await service.add_update(request.app, incident_id, principal(request), data)
    return await incident_answer(request, incident_id, notify_error=error)


@auth.managers
async def api_resolve(request: web.Request) -> web.Response:
    """Resolve: the service is back; commitments not yet due are cancelled."""
    data = await read_json(request, service.ResolveIn)
    incident_id = _id(request)
    error = await service.resolve(request.app, incident_id, principal(request), data)
    return await incident_answer(request, incident_id, notify_error=error)


@auth.managers
async def api_reopen(request: web.Request) -> web.Response:
    """Reopen a resolved incident (tenants say the service is still down)."""
    incident_id = _id(request)
    await service.reopen(request.app, incident_id, principal(request))
    return await incident_answer(request, incident_id)


@auth.any_user
async def api_report(request: web.Request) -> web.Response:
    """Log a tenant who called, came or texted about the incident."""
    data = await read_json(request, service.ReportIn)
    report = await service.add_report(request.app, _id(request), principal(request), data)
    return json_response({"id": report.id, "incident_id": report.incident_id, "tenant_id": report.tenant_id,
                          "channel": report.channel, "note": report.note, "at": report.at}, status=201)


@auth.any_user
async def api_commitments(request: web.Request) -> web.Response:
    """Commitments (status=due|done|all, default due) with the households concerned."""
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        items, total = await read.list_commitments(
            session, principal(request), status=request.query.get("status") or "due",
            agency=int_param(request, "agency"), page=page, per_page=per_page)
    return json_response(paginated(items, total, page))


@auth.managers
async def api_commitment_done(request: web.Request) -> web.Response:
    """Mark a commitment done, with a note; `notify` tells the households by SMS."""
    data = await read_json(request, service.DoneIn)
    p = principal(request)
    commitment_id = _id(request)
    error = await service.mark_done(request.app, commitment_id, p, data)
    async with request.app[DB].session() as session:
        commitment = await service.get_commitment(session, commitment_id, p)
        incident = await service.get_incident(session, commitment.incident_id, p)
        households = await read.households_of(session, [incident.id])  # type: ignore[list-item]
        item = read.commitment_json(commitment, incident.kind, households[incident.id])  # type: ignore[index]
    if error:
        item["notify_error"] = error
    return json_response(item)


def month_param(request: web.Request) -> str:
    raw = request.query.get("month") or ""
    if not _MONTH.match(raw) or not 2000 <= int(raw[:4]) <= 2100:
        raise ApiError("month doit être de la forme AAAA-MM.", code="invalid_parameter")
    return raw


@auth.managers
async def api_rebates_csv(request: web.Request) -> web.StreamResponse:
    """Rent rebates of a month for the rent system (CSV, `;`, UTF-8 with BOM)."""
    month = month_param(request)
    p = principal(request)
    now, tz = request.app[CLOCK].now(), request.app[SETTINGS].tz
    async with request.app[DB].session() as session:
        body = await rebates_csv(session, month, p.agency_scope(int_param(request, "agency")),
                                 calendar.local_today(now, tz), tz)
    return web.Response(body=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="remises-loyer-{month}.csv"'})


def kpi_period(request: web.Request, today: date) -> tuple[date, date]:
    start = date_param(request, "from") or today - timedelta(days=365)
    end = date_param(request, "to") or today
    if end < start:
        raise ApiError("from doit précéder to.", code="invalid_parameter")
    if (end - start).days > 3660:
        raise ApiError("Période trop longue (dix ans au plus).", code="invalid_parameter")
    return start, end


@auth.managers
async def api_kpi(request: web.Request) -> web.Response:
    """Incident indicators: downtime by kind, the 6-hour target, commitments, contacts with
    and without SMS per 100 households."""
    tz = request.app[SETTINGS].tz
    start, end = kpi_period(request, calendar.local_today(request.app[CLOCK].now(), tz))
    agency = principal(request).agency_scope(int_param(request, "agency"))
    async with request.app[DB].session() as session:
        return json_response(await incident_kpi(session, start=start, end=end, agency_id=agency, tz=tz))


# What the route table cannot tell /api/openapi.json (see crm.web.openapi).
_INT: dict[str, Any] = {"type": "integer"}
_DATE: dict[str, Any] = {"type": "string", "format": "date"}
_PAGING = {"page": ({"type": "integer", "minimum": 1, "default": 1}, "Page, from 1."),
           "per_page": ({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}, "Items per page.")}
_AGENCY = {"agency": (_INT, "Agency id (admins; others: their own agency).")}
_SERVICE = "crm.incidents.service"
api_declare.openapi = {"body": f"{_SERVICE}:IncidentIn", "status": 201,
                       "responses": {"422": "Invalid incident, e.g. notice_too_short."}}
api_list.openapi = {"query": {
    "status": ({"type": "string", "enum": ["open", "resolved", "all"], "default": "open"}, "Status."),
    "kind": ({"type": "string", "enum": ["lift", "heating", "hot_water", "water", "power", "cleaning",
                                         "access", "other"]}, "Kind."), **_AGENCY, **_PAGING}}
api_notify.openapi = {"body": f"{_SERVICE}:NotifyIn", "status": 202}
api_update.openapi = {"body": f"{_SERVICE}:UpdateIn"}
api_resolve.openapi = {"body": f"{_SERVICE}:ResolveIn", "responses": {"409": "Already resolved."}}
api_reopen.openapi = {"responses": {"409": "Not resolved."}}
api_report.openapi = {"body": f"{_SERVICE}:ReportIn", "status": 201}
api_commitments.openapi = {"query": {
    "status": ({"type": "string", "enum": ["due", "done", "upcoming", "cancelled", "all"], "default": "due"},
               "Status."), **_AGENCY, **_PAGING}}
api_commitment_done.openapi = {"body": f"{_SERVICE}:DoneIn", "responses": {"409": "Cancelled or done."}}
api_rebates_csv.openapi = {"query": {
    "month": ({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "Month (YYYY-MM)."), **_AGENCY},
    "produces": "text/csv"}
api_kpi.openapi = {"query": {"from": (_DATE, "First start day (YYYY-MM-DD), default a year ago."),
                             "to": (_DATE, "Last start day (YYYY-MM-DD), default today."), **_AGENCY}}

API_ROUTES = [
    ("POST", "/api/v1/incidents", api_declare, "api_incident_declare"),
    ("GET", "/api/v1/incidents", api_list, "api_incidents"),
    ("GET", "/api/v1/incidents/{id:\\d+}", api_detail, "api_incident"),
    ("POST", "/api/v1/incidents/{id:\\d+}/notify", api_notify, "api_incident_notify"),
    ("POST", "/api/v1/incidents/{id:\\d+}/updates", api_update, "api_incident_update"),
    ("POST", "/api/v1/incidents/{id:\\d+}/resolve", api_resolve, "api_incident_resolve"),
    ("POST", "/api/v1/incidents/{id:\\d+}/reopen", api_reopen, "api_incident_reopen"),
    ("POST", "/api/v1/incidents/{id:\\d+}/reports", api_report, "api_incident_report"),
    ("GET", "/api/v1/commitments", api_commitments, "api_commitments"),
    ("POST", "/api/v1/commitments/{id:\\d+}/done", api_commitment_done, "api_commitment_done"),
    ("GET", "/api/v1/commitments/rent-rebates.csv", api_rebates_csv, "api_rent_rebates_csv"),
    ("GET", "/api/v1/kpi/incidents", api_kpi, "api_kpi_incidents"),
]

PAGE_ROUTES = PAGES
