"""The calls' pages: the queue, the call sheet, follow-ups and indicators."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy import select

from crm import auth, calendar
from crm.calls import interviews as iv
from crm.calls.attempts import claim_task, get_task, record_attempt
from crm.calls.labels import INTERVIEW_ORDER, OUTCOME_KEYS, OUTCOME_LABELS, STATUS_LABELS
from crm.calls.models import (
    CallAttempt,
    FollowUp,
    Interview,
    Outcome,
    TaskStatus,
)
from crm.calls.note_check import sensitive_words
from crm.calls.queue import PRIORITY_LABELS, day_queue, reached_waiting
from crm.calls.view_support import (
    aware,
    csv_response,
    follow_ups,
    kpis,
    request_now,
    request_today,
    request_tz,
    scoped_task,
    set_follow_up_status,
)
from crm.errors import ApiError
from crm.keys import DB
from crm.models import Agency, Lease, Phone, Residence, Tenant, User
from crm.themes import DONT_KNOW, SCALE, THEMES
from crm.web.jsonutil import (
    date_param,
    int_param,
)
from crm.web.middlewares import principal
from crm.web.redirects import local_path
from crm.web.render import render


def _redirect(path: str, **query: Any) -> web.HTTPFound:
    params = {k: v for k, v in query.items() if v not in (None, "")}
    return web.HTTPFound(path + (f"?{urlencode(params)}" if params else ""))


async def _agencies(session: Any) -> list[Agency]:
    return list(await session.scalars(select(Agency).order_by(Agency.name)))


@auth.any_user
async def calls_page(request: web.Request) -> web.Response:
    """Appels du jour."""
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    today = request_today(request)
    try:
        day = date_param(request, "date") or today
    except ApiError:
        day = today
    now = request_now(request)
    async with request.app[DB].session() as session:
        queue = await day_queue(session, day=day, agency_id=agency, now=now, tz=request_tz(request),
                                per_page=300)
        waiting = await reached_waiting(session, agency_id=agency)
        agencies = await _agencies(session) if p.is_admin else []
    calling_now = calendar.is_calling_time(now, request_tz(request))
    return await render("calls/queue.html", request, {
        "queue": queue, "day": day, "today": today, "agency": agency, "agencies": agencies,
        "waiting": waiting, "outcomes": OUTCOME_LABELS, "keys": OUTCOME_KEYS,
        "priorities": PRIORITY_LABELS, "calling_now": calling_now,
        "prev_day": _previous_working_day(day),
        "next_day": calendar.next_working_day(day),
        "message": request.query.get("message"), "error": request.query.get("erreur"),
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
            select(CallAttempt, User.email).outerjoin(User, User.id == CallAttempt.adviser_id)
            .where(CallAttempt.task_id == task.id).order_by(CallAttempt.at))).all()
        interview = await session.scalar(select(Interview).where(Interview.task_id == task.id))
        follow_ups = list(await session.scalars(
            select(FollowUp).where(FollowUp.tenant_id == task.tenant_id).order_by(FollowUp.created_at.desc())))
        claimer = await session.get(User, task.claimed_by) if task.claimed_by else None
    now = request_now(request)
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
        "error": request.query.get("erreur"), "message": request.query.get("message"),
        "min_callback": now.astimezone(request_tz(request)).strftime("%Y-%m-%dT%H:%M"),
        "focus_callback": request.query.get("rappel") == "1",
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
            task = await scoped_task(request, session)
            await claim_task(session, task, user_id=p.user_id, now=request_now(request))
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _redirect(f"/appels/{task_id}", erreur=exc.message) from None
    raise _redirect(f"/appels/{task_id}", message="Vous avez pris cet appel pour 15 minutes.")


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
            callback_at = aware(datetime.fromisoformat(raw_callback), request)
        except ValueError:
            raise _redirect(back, erreur="Heure de rappel illisible.") from None
    if outcome == Outcome.CALLBACK_REQUESTED and callback_at is None:
        # From the queue: the time is asked on the call sheet.
        raise _redirect(f"/appels/{task_id}", message="Indiquez l'heure du rappel demandé.",
                        rappel="1")
    try:
        iv.check_note(note, confirmed=form.get("confirm_sensitive") == "1")
        async with request.app[DB].session() as session:
            task = await scoped_task(request, session)
            await record_attempt(session, task, user_id=p.user_id, outcome=outcome,
                                 now=request_now(request), tz=request_tz(request), note=note,
                                 callback_at=callback_at)
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _redirect(back, erreur=exc.message) from None
    if task.status == TaskStatus.REACHED:
        raise web.HTTPFound(f"/appels/{task_id}#entretien")
    label = OUTCOME_LABELS.get(outcome, outcome)
    follow = ""
    if task.next_attempt_at and task.status == TaskStatus.OPEN:
        follow = " — prochain essai le " + task.next_attempt_at.astimezone(request_tz(request)).strftime("%d/%m/%Y à %H:%M")
    elif task.status != TaskStatus.OPEN:
        follow = " — " + STATUS_LABELS.get(task.status, task.status)
    raise _redirect(back, message=f"{label} enregistré{follow}.")


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
    confirmed = form.get("confirm_sensitive") == "1"
    words = sensitive_words(summary, *(f["description"] for f in follow_ups))
    if words and not confirmed:
        ctx = await _sheet_context(request, task_id)
        ctx.update({"form": {"answers": answers, "summary": summary, "follow_ups": follow_ups},
                    "sensitive": words})
        return await render("calls/sheet.html", request, ctx, status=422)
    try:
        async with request.app[DB].session() as session:
            task = await scoped_task(request, session)
            await iv.save_interview(session, task, user_id=p.user_id, answers=answers,
                                    summary=summary, follow_ups=follow_ups, now=request_now(request),
                                    tz=request_tz(request), confirm_sensitive=True)
            await session.commit()
    except ApiError as exc:
        if exc.status == 403:
            raise
        raise _redirect(f"/appels/{task_id}", erreur=exc.message) from None
    raise _redirect("/appels", message="Entretien enregistré. Merci !")


@auth.any_user
async def followups_page(request: web.Request) -> web.Response:
    """Suivis: follow-ups of the agency with their status."""
    p = principal(request)
    status = request.query.get("status") or "pending"
    kind = request.query.get("kind") or None
    raw_page = request.query.get("page", "1")
    page = max(1, int(raw_page)) if raw_page.isdigit() else 1
    items, total = await follow_ups(request, status=status, kind=kind, page=page, per_page=100)
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
    item = await set_follow_up_status(request, str(form.get("status", "")))
    back = local_path(str(form.get("next", "")), "/suivis")
    label = iv.FOLLOW_UP_STATUS_LABELS.get(item.status, item.status)
    sep = "&" if "?" in back else "?"
    raise web.HTTPFound(f"{back}{sep}message={quote('Suivi : ' + label)}")


@auth.managers
async def kpi_page(request: web.Request) -> web.Response:
    """Indicateurs: the courtesy-call funnel against the targets, with a chart and CSV."""
    p = principal(request)
    data = await kpis(request)
    async with request.app[DB].session() as session:
        agencies = await _agencies(session) if p.is_admin else []
    query = {"from": data["from"], "to": data["to"], "agency": data["agency"] or ""}
    return await render("calls/kpi.html", request, {
        "k": data, "agencies": agencies, "csv_url": "/indicateurs.csv?" + urlencode(query),
    })


@auth.managers
async def kpi_csv_page(request: web.Request) -> web.Response:
    return csv_response(await kpis(request))


PAGE_ROUTES = [
    ("GET", "/appels", calls_page, "calls_page"),
    ("GET", "/appels/{task_id:\\d+}", call_sheet, "call_sheet"),
    ("POST", "/appels/{task_id:\\d+}/prendre", claim_submit, "call_claim_submit"),
    ("POST", "/appels/{task_id:\\d+}/issue", outcome_submit, "call_outcome_submit"),
    ("POST", "/appels/{task_id:\\d+}/entretien", interview_submit, "call_interview_submit"),
    ("GET", "/suivis", followups_page, "followups_page"),
    ("POST", "/suivis/{id:\\d+}", followup_status_submit, "followup_status_submit"),
    ("GET", "/indicateurs", kpi_page, "kpi_page"),
    ("GET", "/indicateurs.csv", kpi_csv_page, "kpi_csv"),
]
