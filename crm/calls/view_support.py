"""What the calls' API and page views share: request helpers, JSON shapes, KPI period, follow-ups."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from crm import calendar
from crm.calls.attempts import get_task
from crm.calls.kpi import courtesy_call_kpis, kpi_csv
from crm.calls.models import (
    CallTask,
)
from crm.errors import ApiError, Invalid
from crm.keys import CLOCK, DB, SETTINGS
from crm.web.jsonutil import (
    MAX_YEAR,
    MIN_YEAR,
    date_param,
    int_param,
)
from crm.web.middlewares import principal


def request_now(request: web.Request) -> datetime:
    return request.app[CLOCK].now()


def request_tz(request: web.Request) -> Any:
    return request.app[SETTINGS].tz


def request_today(request: web.Request) -> date:
    return calendar.local_today(request_now(request), request_tz(request))


def task_json(task: CallTask) -> dict[str, Any]:
    return {
        "task_id": task.id, "tenant_id": task.tenant_id, "lease_id": task.lease_id,
        "agency_id": task.agency_id, "kind": task.kind, "status": task.status,
        "attempts": task.attempts, "last_outcome": task.last_outcome,
        "next_attempt_at": task.next_attempt_at, "callback_at": task.callback_at,
        "window_start": task.window_start, "window_end": task.window_end,
        "no_phone": task.no_phone, "requested_by_sms": task.requested_by_sms,
        "claimed_by": task.claimed_by, "claim_expires_at": task.claim_expires_at,
        "closed_at": task.closed_at,
    }


async def scoped_task(request: web.Request, session: Any) -> CallTask:
    task = await get_task(session, int(request.match_info["task_id"]))
    principal(request).check_agency(task.agency_id)
    return task


def aware(value: datetime | None, request: web.Request) -> datetime | None:
    """Timestamps without an offset are read as local time (what an adviser types)."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Invalid("Cette date est hors limites.", code="invalid_date")
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=request_tz(request))


def kpi_period(request: web.Request) -> tuple[date, date]:
    today = request_today(request)
    end = date_param(request, "to") or today
    start = date_param(request, "from") or (end.replace(day=1) - timedelta(days=62)).replace(day=1)
    if start > end:
        raise ApiError("from doit précéder to.", code="invalid_period")
    return start, end


async def kpis(request: web.Request) -> dict[str, Any]:
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    start, end = kpi_period(request)
    async with request.app[DB].session() as session:
        data = await courtesy_call_kpis(session, start=start, end=end, agency_id=agency,
                                        today=request_today(request), tz=request_tz(request))
    data["agency"] = agency
    return data


def csv_response(data: dict[str, Any]) -> web.Response:
    name = f"appels-courtoisie-{data['from']}-{data['to']}.csv"
    return web.Response(body=kpi_csv(data).encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'})
