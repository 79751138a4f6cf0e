"""The calls' JSON API: queue, tasks, attempts, interviews, follow-ups, KPIs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import select

from crm import auth
from crm.calls import interviews as iv
from crm.calls.attempts import claim_task, record_attempt
from crm.calls.models import (
    CallAttempt,
    FollowUp,
    FollowUpStatus,
    Interview,
)
from crm.calls.queue import day_queue
from crm.calls.view_support import (
    FollowUpStatusIn,
    aware,
    csv_response,
    follow_up_json,
    follow_ups,
    kpis,
    request_now,
    request_today,
    request_tz,
    scoped_task,
    set_follow_up_status,
    task_json,
)
from crm.errors import ApiError
from crm.keys import DB
from crm.web.jsonutil import (
    date_param,
    int_param,
    json_response,
    page_params,
    paginated,
    read_json,
)
from crm.web.middlewares import principal


@auth.any_user
async def api_queue(request: web.Request) -> web.Response:
    """The day's call queue, most urgent first.

    ``priority``: 1 callback due, 2 window closes within 2 days, 3 to call, 4 no usable number.
    """
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    day = date_param(request, "date") or request_today(request)
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        queue = await day_queue(session, day=day, agency_id=agency, now=request_now(request),
                                tz=request_tz(request), page=page, per_page=per_page)
    body = paginated(queue.items, queue.total, page)
    body.update({"date": day, "working_day": queue.working})
    return json_response(body)


@auth.any_user
async def api_task(request: web.Request) -> web.Response:
    """One call task with its attempts and interview."""
    async with request.app[DB].session() as session:
        task = await scoped_task(request, session)
        body = task_json(task)
        attempts = await session.scalars(
            select(CallAttempt).where(CallAttempt.task_id == task.id).order_by(CallAttempt.at))
        body["history"] = [{"at": a.at, "outcome": a.outcome, "adviser_id": a.adviser_id,
                            "note": a.note, "callback_at": a.callback_at, "phone": a.phone_e164}
                           for a in attempts]
        interview = await session.scalar(select(Interview).where(Interview.task_id == task.id))
        body["interview"] = None if interview is None else {
            "answers": interview.answers, "summary": interview.summary,
            "summary_sentiment": interview.summary_sentiment,
            "summary_sentiment_score": interview.summary_sentiment_score, "at": interview.at}
    return json_response(body)


@auth.any_user
async def api_claim(request: web.Request) -> web.Response:
    """Take a task for about 15 minutes; another adviser meanwhile gets 409."""
    p = principal(request)
    async with request.app[DB].session() as session:
        task = await scoped_task(request, session)
        await claim_task(session, task, user_id=p.user_id, now=request_now(request))
        await session.commit()
    return json_response(task_json(task))


class AttemptIn(BaseModel):
    outcome: Literal["no_answer", "voicemail", "busy", "wrong_number", "callback_requested",
                     "refused", "reached"]
    note: str | None = Field(None, max_length=4000)
    callback_at: datetime | None = None
    confirm_sensitive: bool = False


@auth.any_user
async def api_attempt(request: web.Request) -> web.Response:
    """Record a call attempt; answers the task with its new status and next_attempt_at.

    Needs the claim (taken when free) and releases it. A note with health details or
    insults gives 422 ``sensitive_note`` unless ``confirm_sensitive`` is true.
    """
    p = principal(request)
    body = await read_json(request, AttemptIn)
    iv.check_note(body.note, confirmed=body.confirm_sensitive)
    async with request.app[DB].session() as session:
        task = await scoped_task(request, session)
        await record_attempt(session, task, user_id=p.user_id, outcome=body.outcome,
                             now=request_now(request), tz=request_tz(request), note=body.note,
                             callback_at=aware(body.callback_at, request))
        await session.commit()
    return json_response(task_json(task))


class FollowUpIn(BaseModel):
    kind: Literal["technical", "administrative"]
    category: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1, max_length=4000)


class InterviewIn(BaseModel):
    answers: dict[str, int | None] = Field(default_factory=dict)
    summary: str = Field("", max_length=8000)
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=20)
    confirm_sensitive: bool = False


@auth.any_user
async def api_interview(request: web.Request) -> web.Response:
    """Post the interview: the task becomes completed, follow-ups are opened.

    Answers per theme on the 4-point scale (null = ne sait pas). A summary with health
    details or insults gives 422 ``sensitive_note`` with the words unless
    ``confirm_sensitive`` is true.
    """
    p = principal(request)
    body = await read_json(request, InterviewIn)
    async with request.app[DB].session() as session:
        task = await scoped_task(request, session)
        interview = await iv.save_interview(
            session, task, user_id=p.user_id, answers=body.answers, summary=body.summary,
            follow_ups=[f.model_dump() for f in body.follow_ups], now=request_now(request),
            tz=request_tz(request), confirm_sensitive=body.confirm_sensitive)
        await session.commit()
        follow_ups = await session.scalars(select(FollowUp).where(FollowUp.interview_id == interview.id))
        result = task_json(task) | {
            "interview_id": interview.id, "answers": interview.answers,
            "summary_sentiment": interview.summary_sentiment,
            "summary_sentiment_score": interview.summary_sentiment_score,
            "follow_ups": [follow_up_json(f) for f in follow_ups],
        }
    return json_response(result)


@auth.managers
async def api_kpi(request: web.Request) -> web.Response:
    """Courtesy-call funnel for the new tenants whose lease started in [from, to].

    Rates are fractions of new_tenants; by agency, adviser and monthly cohort, with a
    projection for cohorts still open.
    """
    return json_response(await kpis(request))


@auth.managers
async def api_kpi_csv(request: web.Request) -> web.Response:
    """The same KPIs as CSV (;-separated, UTF-8 with BOM, opens in Excel)."""
    data = await kpis(request)
    return csv_response(data)


@auth.any_user
async def api_follow_ups(request: web.Request) -> web.Response:
    """Follow-ups of the agency (status=open|in_progress|done|pending, kind, tenant)."""
    page, per_page = page_params(request)
    status, kind = request.query.get("status") or None, request.query.get("kind") or None
    # An unknown value is a typo: refuse it rather than silently list everything.
    if status is not None and status not in (*FollowUpStatus.ALL, "pending", "all"):
        raise ApiError("status doit valoir open, in_progress, done, pending ou all.",
                       code="invalid_parameter")
    if kind is not None and kind not in iv.FOLLOW_UP_KINDS:
        raise ApiError("kind doit valoir technical ou administrative.", code="invalid_parameter")
    items, total = await follow_ups(request, status=status, kind=kind, page=page,
                                     per_page=per_page)
    return json_response(paginated(items, total, page))


@auth.any_user
async def api_follow_up_status(request: web.Request) -> web.Response:
    """Change a follow-up's status (open, in_progress, done)."""
    body = await read_json(request, FollowUpStatusIn)
    return json_response(follow_up_json(await set_follow_up_status(request, body.status)))


API_ROUTES = [
    ("GET", "/api/v1/calls/queue", api_queue, "api_calls_queue"),
    ("GET", "/api/v1/calls/{task_id:\\d+}", api_task, "api_call_task"),
    ("POST", "/api/v1/calls/{task_id:\\d+}/claim", api_claim, "api_call_claim"),
    ("POST", "/api/v1/calls/{task_id:\\d+}/attempts", api_attempt, "api_call_attempts"),
    ("POST", "/api/v1/calls/{task_id:\\d+}/interview", api_interview, "api_call_interview"),
    ("GET", "/api/v1/kpi/courtesy-calls", api_kpi, "api_kpi_courtesy_calls"),
    ("GET", "/api/v1/kpi/courtesy-calls.csv", api_kpi_csv, "api_kpi_courtesy_calls_csv"),
    ("GET", "/api/v1/follow-ups", api_follow_ups, "api_follow_ups"),
    ("POST", "/api/v1/follow-ups/{id:\\d+}/status", api_follow_up_status, "api_follow_up_status"),
]
