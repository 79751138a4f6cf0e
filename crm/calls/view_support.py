"""What the calls' API and page views share: request helpers, JSON shapes, KPI period, follow-ups."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import func, select

from crm import calendar
from crm.calls import interviews as iv
from crm.calls.attempts import get_task
from crm.calls.kpi import courtesy_call_kpis, kpi_csv
from crm.calls.models import (
    CallTask,
    FollowUp,
    FollowUpStatus,
)
from crm.errors import ApiError, Invalid, NotFound
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import Tenant
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


def follow_up_json(f: FollowUp, tenant_name: str | None = None) -> dict[str, Any]:
    return {"id": f.id, "tenant_id": f.tenant_id, "tenant_name": tenant_name,
            "agency_id": f.agency_id, "interview_id": f.interview_id, "kind": f.kind,
            "category": f.category, "description": f.description, "status": f.status,
            "created_at": f.created_at, "updated_at": f.updated_at}


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


class FollowUpStatusIn(BaseModel):
    status: Literal["open", "in_progress", "done"]


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


async def follow_ups(request: web.Request, *, status: str | None, kind: str | None,
                      page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    p = principal(request)
    where = p.scope_filter(FollowUp.agency_id, int_param(request, "agency"))
    if status == "pending":
        where.append(FollowUp.status.in_((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)))
    elif status in FollowUpStatus.ALL:
        where.append(FollowUp.status == status)
    if kind in iv.FOLLOW_UP_KINDS:
        where.append(FollowUp.kind == kind)
    tenant_id = int_param(request, "tenant")
    if tenant_id is not None:
        where.append(FollowUp.tenant_id == tenant_id)
    async with request.app[DB].session() as session:
        total = await session.scalar(select(func.count()).select_from(FollowUp).where(*where)) or 0
        rows = (await session.execute(
            select(FollowUp, Tenant.civility, Tenant.first_name, Tenant.last_name)
            .join(Tenant, Tenant.id == FollowUp.tenant_id).where(*where)
            .order_by(FollowUp.created_at.desc(), FollowUp.id.desc())
            .offset((page - 1) * per_page).limit(per_page))).all()
    return [follow_up_json(f, " ".join(x for x in (c, fn, ln) if x)) for f, c, fn, ln in rows], total


async def set_follow_up_status(request: web.Request, status: str) -> FollowUp:
    async with request.app[DB].session() as session:
        item = await session.get(FollowUp, int(request.match_info["id"]))
        if item is None:
            raise NotFound("Ce suivi n'existe pas.", code="follow_up_not_found")
        principal(request).check_agency(item.agency_id)
        if status not in FollowUpStatus.ALL:
            raise Invalid("Statut inconnu.", code="invalid_status")
        item.status = status
        item.updated_at = request_now(request)
        await session.commit()
    return item
