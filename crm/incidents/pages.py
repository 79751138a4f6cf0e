"""Incident pages (French, server-rendered, no inline script): the list, the declaration
form with the estate picker, the incident page with its one-click messages, the notice's
preview and cost, the commitments page, the commitment settings (admins) and the KPI page.
Forms post to the same service functions as the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from crm import auth, calendar
from crm.campaigns import service as campaigns
from crm.campaigns.audience import Audience
from crm.campaigns.preview import preview
from crm.errors import ApiError, Invalid
from crm.incidents import messages, read, service
from crm.incidents.chart import downtime_chart
from crm.incidents.kpi import incident_kpi
from crm.incidents.models import (
    CommitmentKind,
    CommitmentSetting,
    HelpVisit,
    IncidentKind,
    IncidentStatus,
)
from crm.incidents.rules import COMMITMENT_LABELS, KIND_LABELS, NOTICE_DAYS, hours_fr, load_rules
from crm.keys import CLOCK, DB, PAGE_CONTEXT, SETTINGS
from crm.models import Agency
from crm.web import flash
from crm.web.jsonutil import int_param, page_params
from crm.web.listing import page_links
from crm.web.middlewares import principal
from crm.web.render import render
from crm.web.validation import french_details

STATUS_LABELS = {IncidentStatus.PLANNED: "Programmé", IncidentStatus.OPEN: "En cours",
                 IncidentStatus.RESOLVED: "Résolu"}
COMMITMENT_STATUS_LABELS = {"upcoming": "À venir", "due": "À tenir", "done": "Tenu", "cancelled": "Annulé"}
HOUSEHOLDS_SHOWN = 300


def _id(request: web.Request, key: str = "id") -> int:
    return int(request.match_info[key])


def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS,
            "commitment_labels": COMMITMENT_LABELS, "commitment_status_labels": COMMITMENT_STATUS_LABELS,
            "channel_labels": read.REPORT_CHANNELS, "hours_fr": hours_fr, "slot_labels": service.SLOTS}


def _local(value: str, tz: Any, field: str) -> datetime | None:
    """A ``datetime-local`` field (local wall-clock time) as an aware datetime."""
    value = value.strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("Date et heure illisibles.", code="validation_error",
                      details=[{"field": field, "message": "Date et heure illisibles (JJ/MM/AAAA HH:MM)."}]) from None
    if naive.tzinfo is not None or not 2000 <= naive.year <= 2100:
        raise Invalid("Date et heure hors limites.", code="validation_error",
                      details=[{"field": field, "message": "Date et heure hors limites (années 2000 à 2100)."}])
    return naive.replace(tzinfo=tz)


def _back(request: web.Request, incident_id: int, message: str, anchor: str = "", *,
          kind: str = "ok") -> web.HTTPException:
    """Back to the incident page with a one-time message (never in the URL: a crafted link
    could show a fake one)."""
    return flash.redirect(request, f"/incidents/{incident_id}{anchor}", message, kind=kind, see_other=True)


@contextmanager
def _refusal_back(request: web.Request, incident_id: int, prefix: str = "") -> Iterator[None]:
    """A refusal of the service (wrong state, bad value) comes back to the incident page as a
    French message; not allowed / not found stay error pages."""
    try:
        yield
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        raise _back(request, incident_id, prefix + exc.message, kind="error") from None


# --- list and page ------------------------------------------------------------------------


@auth.any_user
async def incidents_page(request: web.Request) -> web.Response:
    page, per_page = page_params(request)
    status = request.query.get("status") or "open"
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        items, total = await read.list_incidents(
            session, principal(request), status=status, agency=int_param(request, "agency"),
            kind=request.query.get("kind") or None, page=page, per_page=per_page, now=now, timeline=False)
    pages = max(1, -(-total // per_page))
    params = {k: v for k, v in request.query.items() if k in ("status", "agency", "kind", "per_page")}
    return await render("incidents/list.html", request, {
        "items": items, "total": total, "page": page, "per_page": per_page, "status": status,
        "pages": pages, "links": page_links(page, pages, params),
        "show_agency": principal(request).is_admin, **_labels()})


async def _help_plan(request: web.Request, session: Any, item: dict[str, Any],
                     households: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A planned stop in progress: today's help slots of reduced-mobility households and
    what was ticked on the days before."""
    if not item["planned"] or item["status"] != IncidentStatus.OPEN:
        return None
    tz = request.app[SETTINGS].tz
    today = calendar.local_today(request.app[CLOCK].now(), tz)
    start = calendar.local_today(item["starts_at"], tz)
    helped = [h for h in households if h["reduced_mobility"] and h["help_slots"] != "none"]
    ticks = {(v.household_id, v.day, v.slot) for v in await session.scalars(
        select(HelpVisit).where(HelpVisit.household_id.in_([h["id"] for h in helped])))} if helped else set()
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)][-7:]
    rows = []
    for h in helped:
        slots = service.SLOT_CHOICES.get(h["help_slots"] or "both", ("morning", "afternoon"))
        rows.append({"household": h, "slots": [
            {"day": d, "slot": s, "done": (h["id"], d, s) in ticks} for d in days for s in slots]})
    return {"today": today, "days": days, "rows": rows}


@auth.any_user
async def incident_page(request: web.Request) -> web.Response:
    p = principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        incident = await service.get_incident(session, _id(request), p)
        [item] = await read.incidents_json(session, [incident], now)
        households = (await read.households_of(session, [incident.id]))[incident.id]  # type: ignore[list-item,index]
        replies = [e for e in item["timeline"] if e["kind"] == "sms_received"]
        place = await service.scope_label(session, incident.scope)
        plan = await _help_plan(request, session, item, households)
    reduced = [h for h in households if h["reduced_mobility"]]
    return await render("incidents/detail.html", request, {
        "i": item, "place": place, "households": households[:HOUSEHOLDS_SHOWN],
        "households_total": len(households), "reduced": reduced, "replies": replies, "plan": plan,
        "can_manage": p.can_campaign,
        "tz_today": calendar.local_today(now, request.app[SETTINGS].tz), **_labels()})


# --- declaring ----------------------------------------------------------------------------


async def _estate(request: web.Request) -> list[dict[str, Any]]:
    from crm.tenants.estate import estate_tree

    async with request.app[DB].session() as session:
        return await estate_tree(session, principal(request).agency_scope(None))


async def _form_page(request: web.Request, form: dict[str, Any], error: str | None = None,
                     status: int = 200, errors: dict[str, str] | None = None) -> web.Response:
    return await render("incidents/declare.html", request, {
        "estate": await _estate(request), "form": form, "error": error, "errors": errors or {},
        "kinds": IncidentKind.ALL, "notice_days": NOTICE_DAYS, **_labels()}, status=status)


# The declaration form's fields, as its labels name them; a refusal marks the field it is
# about (docs/DEVELOPING.md "Form errors name the field").
DECLARE_LABELS = {"kind": "Service interrompu", "title": "Titre", "description": "Description",
                  "scope": "Où", "starts_at": "Début", "expected_end_at": "Fin prévue",
                  "referent_name": "Nom du référent", "referent_phone": "Téléphone du référent",
                  "force_short_notice": "Raison d'un délai de prévenance court"}
_FIELD_OF_CODE = {"empty_scope": "scope", "unknown_scope": "scope", "scope_spans_agencies": "scope",
                  "scope_agency_mismatch": "scope", "end_before_start": "expected_end_at",
                  "breakdown_in_future": "starts_at", "invalid_referent_phone": "referent_phone",
                  "referent_required": "referent_name", "notice_too_short": "force_short_notice"}


def _form_field(path: str) -> str:
    """``referent.phone`` -> ``referent_phone``, ``scope.buildings.0`` -> ``scope``."""
    parts = path.split(".")
    return "referent_" + parts[1] if parts[0] == "referent" and len(parts) > 1 else parts[0]


def _declare_errors(details: list[dict[str, str]]) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    for d in details:
        errors.setdefault(_form_field(d["field"]), d["message"])
    named = ", ".join(DECLARE_LABELS.get(f, f) for f in errors)
    return f"À corriger : {named}.", errors


@auth.managers
async def declare_page(request: web.Request) -> web.Response:
    blank = dict.fromkeys(DECLARE_FIELDS, "")
    return await _form_page(request, blank | {"kind": "lift", "planned": False, "residences": [],
                                              "buildings": [], "entrances": []})


DECLARE_FIELDS = ("kind", "title", "description", "starts_at", "expected_end_at", "referent_name",
                  "referent_phone", "force_short_notice")


def _ids(form: Any, name: str) -> list[int]:
    out = []
    for raw in form.getall(name, []):
        if str(raw).isdigit() and int(raw) <= 2**31 - 1:
            out.append(int(raw))
    return out


@auth.managers
async def declare_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    tz = request.app[SETTINGS].tz
    values: dict[str, Any] = {k: str(form.get(k, "")) for k in DECLARE_FIELDS}
    values |= {"planned": form.get("planned") == "1", "residences": _ids(form, "residences"),
               "buildings": _ids(form, "buildings"), "entrances": _ids(form, "entrances")}
    try:
        referent = None
        if values["referent_name"].strip() or values["referent_phone"].strip():
            referent = {"name": values["referent_name"].strip(), "phone": values["referent_phone"].strip()}
        starts_at = _local(values["starts_at"], tz, "starts_at") or request.app[CLOCK].now()
        data = service.IncidentIn.model_validate({
            "kind": values["kind"], "planned": values["planned"],
            "scope": {"residences": values["residences"], "buildings": values["buildings"],
                      "entrances": values["entrances"]},
            "starts_at": starts_at, "expected_end_at": _local(values["expected_end_at"], tz, "expected_end_at"),
            "title": values["title"].strip() or None, "description": values["description"].strip() or None,
            "referent": referent, "force_short_notice": values["force_short_notice"].strip() or None,
        })
        incident_id = await service.declare(request.app, data, principal(request))
    except ValidationError as exc:
        summary, errors = _declare_errors(french_details(exc))
        return await _form_page(request, values, summary, status=422, errors=errors)
    except ApiError as exc:
        if exc.status == 403:
            raise
        errors = {}
        if isinstance(exc.details, list):
            errors = _declare_errors(exc.details)[1]
        elif exc.code in _FIELD_OF_CODE:
            errors = {_FIELD_OF_CODE[exc.code]: exc.message}
        return await _form_page(request, values, exc.message, status=422, errors=errors)
    raise flash.redirect(request, f"/incidents/{incident_id}", "Incident déclaré.", see_other=True)


# --- messages: the notice with its preview and cost, updates, resolution -----------------


async def _notice_preview(request: web.Request, incident_id: int, body: str) -> dict[str, Any]:
    """The campaign the notice would be, previewed as the wizard does (recipients,
    exclusions, encoding, segments, cost, samples) without saving anything."""
    p = principal(request)
    now, settings = request.app[CLOCK].now(), request.app[SETTINGS]
    async with request.app[DB].session() as session:
        incident = await service.get_incident(session, incident_id, p)
        agency = await session.get(Agency, incident.agency_id)
        tenant_ids = sorted({h["tenant_id"] for h in (await read.households_of(session, [incident_id]))[incident_id]})
        if not tenant_ids:
            raise Invalid("Aucun foyer concerné par cet incident.", code="no_households")
        data = campaigns.CampaignIn(
            name="Aperçu", category="works" if incident.planned else "outage", body=body,
            audience=Audience(tenant_ids=tenant_ids), lift=incident.kind == IncidentKind.LIFT,
            variables=messages.variables(incident, agency.name if agency else "", agency.phone if agency else None,
                                         settings.tz),
            agency=incident.agency_id if p.is_admin else None)
        campaign = campaigns.build_campaign(data, p, now)
        return await preview(session, campaign, settings, now)


@auth.managers
async def notify_page(request: web.Request) -> web.Response:
    incident_id = _id(request)
    async with request.app[DB].session() as session:
        incident = await service.get_incident(session, incident_id, principal(request))
        [item] = await read.incidents_json(session, [incident], request.app[CLOCK].now(), timeline=False)
    body = request.query.get("body") or messages.preset_body(messages.notice_preset(incident))
    error, shown = None, None
    try:
        shown = await _notice_preview(request, incident_id, body)
    except ApiError as exc:
        if exc.status == 403:
            raise
        error = exc.message
    return await render("incidents/notify.html", request, {
        "i": item, "body": body, "preview": shown, "error": error, **_labels()})


@auth.managers
async def notify_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    form = await request.post()
    tz = request.app[SETTINGS].tz
    with _refusal_back(request, incident_id, "Rien n'est parti : "):
        try:
            data = service.NotifyIn.model_validate({
                "body": str(form.get("body", "")).strip() or None,
                "send_at": _local(str(form.get("send_at", "")), tz, "send_at"),
                "reminder_day_before": form.get("reminder_day_before") == "1"})
        except ValidationError:
            raise _back(request, incident_id, "Message invalide (1 600 caractères au plus).",
                        kind="error") from None
        out = await service.notify(request.app, incident_id, principal(request), data)
    done = "Avis envoyé aux foyers."
    if "reminder_campaign_id" in out:
        done += " Rappel programmé la veille."
    raise _back(request, incident_id, done, "#messages")


@auth.managers
async def update_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    form = await request.post()
    with _refusal_back(request, incident_id):
        try:
            data = service.UpdateIn.model_validate({
                "message": str(form.get("message", "")).strip(),
                "expected_end_at": _local(str(form.get("expected_end_at", "")), request.app[SETTINGS].tz,
                                          "expected_end_at"),
                "notify": form.get("notify") == "1"})
        except ValidationError:
            raise _back(request, incident_id, "Écrivez le point d'étape (1 600 caractères au plus).",
                        kind="error") from None
        error = await service.add_update(request.app, incident_id, principal(request), data)
    raise _back(request, incident_id, error or "Point d'étape ajouté.", "#messages",
                kind="warn" if error else "ok")


@auth.managers
async def resolve_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    form = await request.post()
    with _refusal_back(request, incident_id):
        data = service.ResolveIn.model_validate({
            "resolved_at": _local(str(form.get("resolved_at", "")), request.app[SETTINGS].tz, "resolved_at"),
            "notify": form.get("notify") == "1"})
        error = await service.resolve(request.app, incident_id, principal(request), data)
    raise _back(request, incident_id, error or "Incident résolu : service rétabli.",
                kind="warn" if error else "ok")


@auth.managers
async def reopen_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    with _refusal_back(request, incident_id):
        await service.reopen(request.app, incident_id, principal(request))
    raise _back(request, incident_id, "Incident rouvert.")


@auth.any_user
async def report_submit(request: web.Request) -> web.StreamResponse:
    """One click: "a tenant called / came about this" (from the incident or the tenant page)."""
    incident_id = _id(request)
    form = await request.post()
    tenant = str(form.get("tenant_id", "")).strip()
    with _refusal_back(request, incident_id):
        try:
            data = service.ReportIn.model_validate({
                "channel": str(form.get("channel", "")), "note": str(form.get("note", "")).strip() or None,
                "tenant_id": int(tenant) if tenant.isdigit() and int(tenant) <= 2**31 - 1 else None})
        except ValidationError:
            raise _back(request, incident_id, "Contact non enregistré : canal inconnu.", kind="error") from None
        await service.add_report(request.app, incident_id, principal(request), data)
    back = str(form.get("back", ""))
    if back.startswith("/locataires/") and back[len("/locataires/"):].isdigit():
        raise flash.redirect(request, f"{back}#incidents", "Contact enregistré.", see_other=True)
    raise _back(request, incident_id, "Contact enregistré.", "#contacts")


@auth.any_user
async def needs_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    form = await request.post()
    with _refusal_back(request, incident_id):
        await service.record_needs(request.app, incident_id, _id(request, "household"), principal(request),
                                   str(form.get("needs", "")), str(form.get("slots", "")))
    raise _back(request, incident_id, "Besoins enregistrés.", "#pmr")


@auth.any_user
async def help_submit(request: web.Request) -> web.StreamResponse:
    incident_id = _id(request)
    form = await request.post()
    try:
        day = date.fromisoformat(str(form.get("day", "")))
    except ValueError:
        raise _back(request, incident_id, "Jour illisible.", kind="error") from None
    with _refusal_back(request, incident_id):
        await service.tick_help(request.app, incident_id, _id(request, "household"), principal(request),
                                day, str(form.get("slot", "")))
    raise _back(request, incident_id, "Passage noté.", "#aide")


# --- commitments --------------------------------------------------------------------------


@auth.managers
async def commitments_page(request: web.Request) -> web.Response:
    status = request.query.get("status") or "due"
    page, per_page = page_params(request)
    now, tz = request.app[CLOCK].now(), request.app[SETTINGS].tz
    async with request.app[DB].session() as session:
        items, total = await read.list_commitments(session, principal(request), status=status,
                                                   agency=int_param(request, "agency"), page=page,
                                                   per_page=per_page)
    return await render("incidents/commitments.html", request, {
        "items": items, "total": total, "status": status,
        "month": calendar.local_today(now, tz).strftime("%Y-%m"), **_labels()})


@auth.managers
async def commitment_done_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    try:
        data = service.DoneIn.model_validate({"note": str(form.get("note", "")).strip() or None,
                                              "notify": form.get("notify") == "1"})
        error = await service.mark_done(request.app, _id(request), principal(request), data)
        message = f"Engagement tenu ; SMS non envoyé : {error}" if error else "Engagement tenu."
        kind = "warn" if error else "ok"
    except ValidationError:
        message, kind = "Note trop longue (1 000 caractères au plus).", "error"
    except ApiError as exc:
        if exc.status in (403, 404):
            raise
        message, kind = exc.message, "error"
    raise flash.redirect(request, "/engagements", message, kind=kind, see_other=True)


@auth.admins
async def settings_page(request: web.Request) -> web.Response:
    async with request.app[DB].session() as session:
        rules = await load_rules(session)
    return await render("incidents/settings.html", request, {
        "rules": rules, "kinds": IncidentKind.ALL, "commitment_kinds": CommitmentKind.ALL,
        **_labels()})


@auth.admins
async def settings_submit(request: web.Request) -> web.StreamResponse:
    """Save every (incident kind, commitment kind) line of the form."""
    form = await request.post()
    now, p = request.app[CLOCK].now(), principal(request)
    async with request.app[DB].session() as session:
        existing = {(s.incident_kind, s.commitment_kind): s for s in await session.scalars(select(CommitmentSetting))}
        rules = await load_rules(session)
        for kind in IncidentKind.ALL:
            for ckind in CommitmentKind.ALL:
                key = f"{kind}.{ckind}"
                days_raw = str(form.get(f"{key}.days", "")).strip()
                enabled = form.get(f"{key}.enabled") == "1"
                if not days_raw and (kind, ckind) not in rules:
                    continue
                try:
                    days = int(days_raw)
                    percent_raw = str(form.get(f"{key}.percent", "")).strip().replace(",", ".")
                    percent = float(percent_raw) if percent_raw else None
                except ValueError:
                    raise flash.redirect(request, "/engagements/reglages",
                                         "Nombres illisibles : rien n'a été changé.",
                                         kind="error", see_other=True) from None
                if not 1 <= days <= 60 or (percent is not None and not 0 < percent <= 100) or \
                        (ckind == CommitmentKind.RENT_REBATE and percent is None and enabled):
                    raise flash.redirect(request, "/engagements/reglages",
                                         "Jours ouvrés entre 1 et 60, remise entre 0 et 100 % : "
                                         "rien n'a été changé.", kind="error", see_other=True)
                row = existing.get((kind, ckind)) or CommitmentSetting(
                    incident_kind=kind, commitment_kind=ckind, working_days=days, updated_at=now)
                row.enabled, row.working_days, row.updated_at, row.updated_by = enabled, days, now, p.user_id
                row.rebate_percent = percent if ckind == CommitmentKind.RENT_REBATE else None
                session.add(row)
        await session.commit()
    raise flash.redirect(request, "/engagements/reglages", "Engagements enregistrés.", see_other=True)


# --- KPI ----------------------------------------------------------------------------------


@auth.managers
async def kpi_page(request: web.Request) -> web.Response:
    from crm.incidents.views import kpi_period

    tz = request.app[SETTINGS].tz
    try:
        start, end = kpi_period(request, calendar.local_today(request.app[CLOCK].now(), tz))
    except ApiError as exc:
        raise Invalid(exc.message, code=exc.code) from None
    p = principal(request)
    agency = p.agency_scope(int_param(request, "agency"))
    async with request.app[DB].session() as session:
        k = await incident_kpi(session, start=start, end=end, agency_id=agency, tz=tz)
    return await render("incidents/kpi.html", request, {"k": k, "chart": downtime_chart(k), **_labels()})


# --- navigation badge ---------------------------------------------------------------------


async def due_count_context(request: web.Request) -> dict[str, Any]:
    """Managers see how many commitments are due in the navigation."""
    p = principal(request)
    if not p.can_campaign:
        return {}
    async with request.app[DB].session() as session:
        return {"commitments_due_count": await read.due_count(session, p)}


def install(app: web.Application) -> None:
    if due_count_context not in app[PAGE_CONTEXT]:
        app[PAGE_CONTEXT].append(due_count_context)


PAGE_ROUTES = [
    ("GET", "/incidents", incidents_page, "incidents_page"),
    ("GET", "/incidents/nouveau", declare_page, "incident_declare_page"),
    ("POST", "/incidents/nouveau", declare_submit, "incident_declare_submit"),
    ("GET", "/incidents/{id:\\d+}", incident_page, "incident_page"),
    ("GET", "/incidents/{id:\\d+}/prevenir", notify_page, "incident_notify_page"),
    ("POST", "/incidents/{id:\\d+}/prevenir", notify_submit, "incident_notify_submit"),
    ("POST", "/incidents/{id:\\d+}/point", update_submit, "incident_update_submit"),
    ("POST", "/incidents/{id:\\d+}/resoudre", resolve_submit, "incident_resolve_submit"),
    ("POST", "/incidents/{id:\\d+}/rouvrir", reopen_submit, "incident_reopen_submit"),
    ("POST", "/incidents/{id:\\d+}/contact", report_submit, "incident_report_submit"),
    ("POST", "/incidents/{id:\\d+}/foyers/{household:\\d+}/besoins", needs_submit, "incident_needs_submit"),
    ("POST", "/incidents/{id:\\d+}/foyers/{household:\\d+}/aide", help_submit, "incident_help_submit"),
    ("GET", "/engagements", commitments_page, "commitments_page"),
    ("POST", "/engagements/{id:\\d+}/fait", commitment_done_submit, "commitment_done_submit"),
    ("GET", "/engagements/reglages", settings_page, "commitment_settings_page"),
    ("POST", "/engagements/reglages", settings_submit, "commitment_settings_submit"),
    ("GET", "/indicateurs/incidents", kpi_page, "incidents_kpi_page"),
]
