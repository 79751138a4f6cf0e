"""Courtesy calls over HTTP: the queue, claims, attempts, interviews, follow-ups, KPIs
(JSON API, API.md) and the adviser's pages ("Appels du jour", the call sheet, "Suivis",
"Indicateurs"). Views only parse, check scope and render; rules live beside them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote, urlencode

from aiohttp import web
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from crm import auth, calendar
from crm.calls import interviews as iv
from crm.calls.attempts import claim_task, get_task, record_attempt
from crm.calls.kpi import LABELS as KPI_LABELS
from crm.calls.kpi import courtesy_call_kpis, kpi_csv
from crm.calls.models import (
    CallAttempt,
    CallTask,
    FollowUp,
    FollowUpStatus,
    Interview,
    Outcome,
    TaskStatus,
)
from crm.calls.note_check import sensitive_words
from crm.calls.queue import PRIORITY_LABELS, day_queue, reached_waiting
from crm.errors import ApiError, Invalid, NotFound
from crm.models import Agency, Lease, Phone, Residence, Tenant, User
from crm.themes import DONT_KNOW, SCALE, THEMES
from crm.web.jsonutil import (
    MAX_INT,
    MAX_YEAR,
    MIN_YEAR,
    date_param,
    int_param,
    json_response,
    page_params,
    paginated,
    read_json,
)
from crm.web.keys import CLOCK, DB, SETTINGS
from crm.web.middlewares import principal
from crm.web.render import render

OUTCOME_LABELS = {
    Outcome.NO_ANSWER: "Pas de réponse",
    Outcome.VOICEMAIL: "Messagerie",
    Outcome.BUSY: "Occupé",
    Outcome.WRONG_NUMBER: "Faux numéro",
    Outcome.CALLBACK_REQUESTED: "Rappel demandé",
    Outcome.REFUSED: "Refus",
    Outcome.REACHED: "Joint",
}
# One key per outcome on the queue and the call sheet (static/calls.js).
OUTCOME_KEYS = {
    Outcome.NO_ANSWER: "1", Outcome.VOICEMAIL: "2", Outcome.BUSY: "3",
    Outcome.WRONG_NUMBER: "4", Outcome.CALLBACK_REQUESTED: "5", Outcome.REFUSED: "6",
    Outcome.REACHED: "7",
}
# The interview starts with the move-in, then follows the survey's chapters.
INTERVIEW_ORDER = [("move_in", THEMES["move_in"])] + [(code, label) for code, label in THEMES.items() if code != "move_in"]
STATUS_LABELS = {
    TaskStatus.OPEN: "À appeler", TaskStatus.REACHED: "Joint, entretien à saisir",
    TaskStatus.COMPLETED: "Entretien fait", TaskStatus.REFUSED: "Refus",
    TaskStatus.WRONG_NUMBER: "Aucun numéro valable", TaskStatus.EXHAUSTED: "Injoignable (4 essais)",
    TaskStatus.EXPIRED: "Fenêtre close", TaskStatus.CANCELLED: "Annulée (bail terminé)",
}


# --- helpers -------------------------------------------------------------------------------


def _now(request: web.Request) -> datetime:
    return request.app[CLOCK].now()


def _tz(request: web.Request) -> Any:
    return request.app[SETTINGS].tz


def _today(request: web.Request) -> date:
    return calendar.local_today(_now(request), _tz(request))


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


async def _scoped_task(request: web.Request, session: Any) -> CallTask:
    task = await get_task(session, int(request.match_info["task_id"]))
    principal(request).check_agency(task.agency_id)
    return task


def _aware(value: datetime | None, request: web.Request) -> datetime | None:
    """Timestamps without an offset are read as local time (what an adviser types)."""
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Invalid("Cette date est hors limites.", code="invalid_date")
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=_tz(request))


# --- API -------------------------------------------------------------------------------------


@auth.any_user
async def api_queue(request: web.Request) -> web.Response:
    """The day's call queue, most urgent first.

    ``priority``: 1 callback due, 2 window closes within 2 days, 3 to call, 4 no usable number.
    """
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    day = date_param(request, "date") or _today(request)
    page, per_page = page_params(request)
    async with request.app[DB].session() as session:
        queue = await day_queue(session, day=day, agency_id=agency, now=_now(request),
                                tz=_tz(request), page=page, per_page=per_page)
    body = paginated(queue.items, queue.total, page)
    body.update({"date": day, "working_day": queue.working})
    return json_response(body)


@auth.any_user
async def api_task(request: web.Request) -> web.Response:
    """One call task with its attempts and interview."""
    async with request.app[DB].session() as session:
        task = await _scoped_task(request, session)
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
        task = await _scoped_task(request, session)
        await claim_task(session, task, user_id=p.user_id, now=_now(request))
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
        task = await _scoped_task(request, session)
        await record_attempt(session, task, user_id=p.user_id, outcome=body.outcome,
                             now=_now(request), tz=_tz(request), note=body.note,
                             callback_at=_aware(body.callback_at, request))
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
    declined: bool = False  # the tenant did not wish to answer: no theme needs a score


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
        task = await _scoped_task(request, session)
        interview = await iv.save_interview(
            session, task, user_id=p.user_id, answers=body.answers, summary=body.summary,
            follow_ups=[f.model_dump() for f in body.follow_ups], now=_now(request),
            tz=_tz(request), confirm_sensitive=body.confirm_sensitive, declined=body.declined)
        await session.commit()
        follow_ups = await session.scalars(select(FollowUp).where(FollowUp.interview_id == interview.id))
        result = task_json(task) | {
            "interview_id": interview.id, "answers": interview.answers,
            "summary_sentiment": interview.summary_sentiment,
            "summary_sentiment_score": interview.summary_sentiment_score,
            "follow_ups": [follow_up_json(f) for f in follow_ups],
        }
    return json_response(result)


def _kpi_period(request: web.Request) -> tuple[date, date]:
    today = _today(request)
    end = date_param(request, "to") or today
    start = date_param(request, "from") or (end.replace(day=1) - timedelta(days=62)).replace(day=1)
    if start > end:
        raise ApiError("from doit précéder to.", code="invalid_period")
    return start, end


async def _kpis(request: web.Request) -> dict[str, Any]:
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    start, end = _kpi_period(request)
    async with request.app[DB].session() as session:
        data = await courtesy_call_kpis(session, start=start, end=end, agency_id=agency,
                                        today=_today(request), tz=_tz(request))
    data["agency"] = agency
    return data


@auth.managers
async def api_kpi(request: web.Request) -> web.Response:
    """Courtesy-call funnel for the new tenants whose lease started in [from, to].

    Rates are fractions of new_tenants; by agency, adviser and monthly cohort, with a
    projection for cohorts still open.
    """
    return json_response(await _kpis(request))


@auth.managers
async def api_kpi_csv(request: web.Request) -> web.Response:
    """The same KPIs as CSV (;-separated, UTF-8 with BOM, opens in Excel)."""
    data = await _kpis(request)
    return _csv_response(data)


def _csv_response(data: dict[str, Any]) -> web.Response:
    name = f"appels-courtoisie-{data['from']}-{data['to']}.csv"
    return web.Response(body=kpi_csv(data).encode("utf-8"), headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{name}"'})


async def _follow_ups(request: web.Request, *, status: str | None, kind: str | None,
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
    items, total = await _follow_ups(request, status=status, kind=kind, page=page,
                                     per_page=per_page)
    return json_response(paginated(items, total, page))


class FollowUpStatusIn(BaseModel):
    status: Literal["open", "in_progress", "done"]


async def _set_follow_up_status(request: web.Request, status: str) -> FollowUp:
    async with request.app[DB].session() as session:
        item = await session.get(FollowUp, int(request.match_info["id"]))
        if item is None:
            raise NotFound("Ce suivi n'existe pas.", code="follow_up_not_found")
        principal(request).check_agency(item.agency_id)
        if status not in FollowUpStatus.ALL:
            raise Invalid("Statut inconnu.", code="invalid_status")
        item.status = status
        item.updated_at = _now(request)
        await session.commit()
    return item


@auth.any_user
async def api_follow_up_status(request: web.Request) -> web.Response:
    """Change a follow-up's status (open, in_progress, done)."""
    body = await read_json(request, FollowUpStatusIn)
    return json_response(follow_up_json(await _set_follow_up_status(request, body.status)))


# --- pages -----------------------------------------------------------------------------------


def _redirect(path: str, **query: Any) -> web.HTTPFound:
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return web.HTTPFound(path + (f"?{urlencode(params)}" if params else ""))


def _said(request: web.Request, path: str, text: str, kind: str = "ok", **extra: Any) -> web.HTTPFound:
    """A redirect with a one-time message (a cookie, not the URL: crm/web/flash.py)."""
    from crm.web.flash import redirect

    return redirect(request, path, text, kind=kind, **extra)


async def _tenant_label(session: Any, tenant_id: int) -> str:
    tenant = await session.get(Tenant, tenant_id)
    return tenant.display_name if tenant is not None else "ce locataire"


async def _agencies(session: Any) -> list[Agency]:
    return list(await session.scalars(select(Agency).order_by(Agency.name)))


@auth.any_user
async def calls_page(request: web.Request) -> web.Response:
    """Appels du jour."""
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    today = _today(request)
    try:
        day = date_param(request, "date") or today
    except ApiError:
        day = today
    now = _now(request)
    async with request.app[DB].session() as session:
        queue = await day_queue(session, day=day, agency_id=agency, now=now, tz=_tz(request),
                                per_page=300)
        waiting = await reached_waiting(session, agency_id=agency)
        agencies = await _agencies(session) if p.is_admin else []
    calling_now = calendar.is_calling_time(now, _tz(request))
    return await render("calls/queue.html", request, {
        "queue": queue, "day": day, "today": today, "agency": agency, "agencies": agencies,
        "waiting": waiting, "outcomes": OUTCOME_LABELS, "keys": OUTCOME_KEYS,
        "priorities": PRIORITY_LABELS, "calling_now": calling_now,
        "prev_day": _previous_working_day(day),
        "next_day": calendar.next_working_day(day),
    })


def _previous_working_day(day: date) -> date:
    current = day - timedelta(days=1)
    while not calendar.is_working_day(current):
        current -= timedelta(days=1)
    return current


async def _sheet_context(request: web.Request, task_id: int) -> dict[str, Any]:
    async with request.app[DB].session() as session:
        task = await get_task(session, task_id)
        principal(request).check_agency(task.agency_id)
        tenant = await session.get(Tenant, task.tenant_id)
        lease = await session.get(Lease, task.lease_id)
        residence = await session.get(Residence, lease.residence_id) if lease else None
        phones = list(await session.scalars(select(Phone).where(Phone.tenant_id == task.tenant_id)
                                            .order_by(Phone.valid.desc(), Phone.id)))
        history = (await session.execute(
            # Advisers by name, as the indicators show them (the e-mail when no name is set).
            select(CallAttempt, func.coalesce(User.full_name, User.email))
            .outerjoin(User, User.id == CallAttempt.adviser_id)
            .where(CallAttempt.task_id == task.id).order_by(CallAttempt.at))).all()
        interview = await session.scalar(select(Interview).where(Interview.task_id == task.id))
        follow_ups = list(await session.scalars(
            select(FollowUp).where(FollowUp.tenant_id == task.tenant_id).order_by(FollowUp.created_at.desc())))
        claimer = await session.get(User, task.claimed_by) if task.claimed_by else None
    now = _now(request)
    claimed_by_other = (claimer is not None and task.claim_expires_at is not None
                        and task.claim_expires_at > now and claimer.id != principal(request).user_id)
    return {
        "task": task, "tenant": tenant, "lease": lease, "residence": residence, "phones": phones,
        "history": history, "interview": interview, "follow_ups": follow_ups,
        "claimer": claimer, "claimed_by_other": claimed_by_other,
        "status_label": STATUS_LABELS.get(task.status, task.status),
        "outcomes": OUTCOME_LABELS, "keys": OUTCOME_KEYS, "themes": THEMES, "scale": SCALE,
        "interview_themes": INTERVIEW_ORDER,
        "dont_know": DONT_KNOW, "fu_kinds": iv.FOLLOW_UP_KINDS, "fu_categories": iv.FOLLOW_UP_CATEGORIES,
        "fu_status": iv.FOLLOW_UP_STATUS_LABELS, "form": {}, "sensitive": [],
        "form_error": None, "invalid": set(),
        "min_callback": now.astimezone(_tz(request)).strftime("%Y-%m-%dT%H:%M"),
    }


@auth.any_user
async def call_sheet(request: web.Request) -> web.Response:
    """The call sheet: tenant, lease, history and the interview form."""
    ctx = await _sheet_context(request, int(request.match_info["task_id"]))
    return await render("calls/sheet.html", request, ctx)


@auth.any_user
async def claim_submit(request: web.Request) -> web.Response:
    p = principal(request)
    task_id = int(request.match_info["task_id"])
    try:
        async with request.app[DB].session() as session:
            task = await _scoped_task(request, session)
            await claim_task(session, task, user_id=p.user_id, now=_now(request))
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _said(request, f"/appels/{task_id}", exc.message, "error") from None
    raise _said(request, f"/appels/{task_id}", "Vous avez pris cet appel pour 15 minutes.")


@auth.any_user
async def outcome_submit(request: web.Request) -> web.Response:
    """One click (or key) per outcome, from the queue or the call sheet."""
    p = principal(request)
    task_id = int(request.match_info["task_id"])
    form = await request.post()
    outcome = str(form.get("outcome", ""))
    back = "/appels/" + str(task_id) if form.get("from") == "sheet" else "/appels"
    note = str(form.get("note", "")).strip() or None
    raw_callback = str(form.get("callback_at", "")).strip()
    callback_at = None
    if raw_callback:
        try:
            callback_at = _aware(datetime.fromisoformat(raw_callback), request)
        except ValueError:
            raise _said(request, back, "Heure de rappel illisible.", "error", field="callback_at") from None
    if outcome == Outcome.CALLBACK_REQUESTED and callback_at is None:
        # From the queue: the time is asked on the call sheet (a request, not a success).
        raise _said(request, f"/appels/{task_id}", "Indiquez l'heure du rappel demandé.", "warn",
                    field="callback_at")
    try:
        iv.check_note(note, confirmed=form.get("confirm_sensitive") == "1")
        async with request.app[DB].session() as session:
            task = await _scoped_task(request, session)
            attempt = await record_attempt(session, task, user_id=p.user_id, outcome=outcome,
                                           now=_now(request), tz=_tz(request), note=note,
                                           callback_at=callback_at)
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        field = "callback_at" if exc.code.startswith("callback") else None
        raise _said(request, back, exc.message, "error", field=field) from None
    async with request.app[DB].session() as session:
        who = await _tenant_label(session, task.tenant_id)
    # "annuler" for a minute: an attempt recorded by mistake (wrong key, wrong row).
    undo = {"task": task_id, "attempt": attempt.id}
    if task.status == TaskStatus.REACHED:
        raise _said(request, f"/appels/{task_id}#entretien",
                    f"Joint enregistré pour {who} : saisissez l'entretien.", undo=undo)
    label = OUTCOME_LABELS.get(outcome, outcome)
    follow = ""
    if task.next_attempt_at and task.status == TaskStatus.OPEN:
        follow = " — prochain essai le " + task.next_attempt_at.astimezone(_tz(request)).strftime("%d/%m/%Y à %H:%M")
    elif task.status != TaskStatus.OPEN:
        follow = " — " + STATUS_LABELS.get(task.status, task.status)
    raise _said(request, back, f"« {label} » enregistré pour {who}{follow}.", undo=undo)


@auth.any_user
async def undo_submit(request: web.Request) -> web.Response:
    """"Annuler" under an outcome's confirmation: the attempt is removed, the audit kept."""
    from crm.calls.undo import undo_attempt

    p = principal(request)
    task_id = int(request.match_info["task_id"])
    form = await request.post()
    back = "/appels/" + str(task_id) if form.get("from") == "sheet" else "/appels"
    raw = str(form.get("attempt", ""))
    if not raw.isdigit() or not 0 < int(raw) <= MAX_INT:
        raise _said(request, back, "Appel à annuler introuvable.", "error")
    attempt_id = int(raw)
    try:
        async with request.app[DB].session() as session:
            task = await _scoped_task(request, session)
            attempt = await undo_attempt(session, task, attempt_id, user_id=p.user_id, now=_now(request))
            who = await _tenant_label(session, task.tenant_id)
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _said(request, back, exc.message, "error") from None
    label = OUTCOME_LABELS.get(attempt.outcome, attempt.outcome)
    raise _said(request, back, f"« {label} » annulé pour {who} : l'appel est à nouveau à faire.")


def _interview_form(form: Any) -> tuple[dict[str, int | None], str, list[dict[str, Any]]]:
    answers: dict[str, int | None] = {}
    for code in THEMES:
        raw = str(form.get(f"answer_{code}", "")).strip()
        answers[code] = int(raw) if raw in ("1", "2", "3", "4") else None
    summary = str(form.get("summary", ""))
    follow_ups = []
    for i in range(3):
        description = str(form.get(f"fu_description_{i}", "")).strip()
        if not description:
            continue
        follow_ups.append({"kind": str(form.get(f"fu_kind_{i}", "technical")),
                           "category": str(form.get(f"fu_category_{i}", "")).strip() or "Autre",
                           "description": description})
    return answers, summary, follow_ups


@auth.any_user
async def interview_submit(request: web.Request) -> web.Response:
    p = principal(request)
    task_id = int(request.match_info["task_id"])
    form = await request.post()
    answers, summary, follow_ups = _interview_form(form)
    declined = form.get("declined") == "1"
    typed = {"answers": answers, "summary": summary, "follow_ups": follow_ups, "declined": declined}
    confirmed = form.get("confirm_sensitive") == "1"
    words = sensitive_words(summary, *(f["description"] for f in follow_ups))
    if words and not confirmed:
        ctx = await _sheet_context(request, task_id)
        ctx.update({"form": typed, "sensitive": words})
        return await render("calls/sheet.html", request, ctx, status=422)
    try:
        async with request.app[DB].session() as session:
            task = await _scoped_task(request, session)
            await iv.save_interview(session, task, user_id=p.user_id, answers=answers,
                                    summary=summary, follow_ups=follow_ups, now=_now(request),
                                    tz=_tz(request), confirm_sensitive=True, declined=declined)
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        if exc.code == "empty_interview":
            # Kept on the page with what was typed, the themes marked.
            ctx = await _sheet_context(request, task_id)
            ctx.update({"form": typed, "form_error": exc.message, "invalid": {"answers"}})
            return await render("calls/sheet.html", request, ctx, status=422)
        raise _said(request, f"/appels/{task_id}", exc.message, "error") from None
    async with request.app[DB].session() as session:
        who = await _tenant_label(session, task.tenant_id)
    raise _said(request, "/appels", f"Entretien de {who} enregistré. Merci !")


@auth.any_user
async def followups_page(request: web.Request) -> web.Response:
    """Suivis: follow-ups of the agency with their status."""
    p = principal(request)
    status = request.query.get("status") or "pending"
    kind = request.query.get("kind") or None
    raw_page = request.query.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isdigit() else 1
    items, total = await _follow_ups(request, status=status, kind=kind, page=page, per_page=100)
    async with request.app[DB].session() as session:
        agencies = await _agencies(session) if p.is_admin else []
    return await render("calls/followups.html", request, {
        "items": items, "total": total, "page": page, "status": status, "kind": kind,
        "fu_kinds": iv.FOLLOW_UP_KINDS, "fu_status": iv.FOLLOW_UP_STATUS_LABELS,
        "agencies": agencies, "agency": int_param(request, "agency"),
        "next_url": f"?{urlencode({'status': status, 'kind': kind or '', 'page': page + 1})}" if page * 100 < total else None,
        "message": request.query.get("message"),
    })


@auth.any_user
async def followup_status_submit(request: web.Request) -> web.Response:
    form = await request.post()
    item = await _set_follow_up_status(request, str(form.get("status", "")))
    back = str(form.get("next", "")) or "/suivis"
    if (not back.startswith("/") or back.startswith("//") or "\\" in back
            or not back.isprintable()):
        back = "/suivis"
    label = iv.FOLLOW_UP_STATUS_LABELS.get(item.status, item.status)
    sep = "&" if "?" in back else "?"
    raise web.HTTPFound(f"{back}{sep}message={quote('Suivi : ' + label)}")


@auth.managers
async def kpi_page(request: web.Request) -> web.Response:
    """Indicateurs: the courtesy-call funnel against the targets, with a chart and CSV."""
    p = principal(request)
    data = await _kpis(request)
    async with request.app[DB].session() as session:
        agencies = await _agencies(session) if p.is_admin else []
    query = {"from": data["from"], "to": data["to"], "agency": data["agency"] or ""}
    return await render("calls/kpi.html", request, {
        "k": data, "agencies": agencies, "csv_url": "/indicateurs.csv?" + urlencode(query),
        "labels": KPI_LABELS,
    })


@auth.managers
async def kpi_csv_page(request: web.Request) -> web.Response:
    return _csv_response(await _kpis(request))


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

PAGE_ROUTES = [
    ("GET", "/appels", calls_page, "calls_page"),
    ("GET", "/appels/{task_id:\\d+}", call_sheet, "call_sheet"),
    ("POST", "/appels/{task_id:\\d+}/prendre", claim_submit, "call_claim_submit"),
    ("POST", "/appels/{task_id:\\d+}/issue", outcome_submit, "call_outcome_submit"),
    ("POST", "/appels/{task_id:\\d+}/entretien", interview_submit, "call_interview_submit"),
    ("POST", "/appels/{task_id:\\d+}/annuler-essai", undo_submit, "call_undo_submit"),
    ("GET", "/suivis", followups_page, "followups_page"),
    ("POST", "/suivis/{id:\\d+}", followup_status_submit, "followup_status_submit"),
    ("GET", "/indicateurs", kpi_page, "kpi_page"),
    ("GET", "/indicateurs.csv", kpi_csv_page, "kpi_csv"),
]
