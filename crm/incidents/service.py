"""Incident life: declare (households taken, reduced-mobility calls before a planned stop),
notify and update by SMS through the campaigns, resolve (commitments settled), reopen, log
contacts, mark commitments done. Views call these; nothing here knows about HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import calendar
from crm.auth import Principal
from crm.campaigns import service as campaigns
from crm.campaigns.audience import Audience, check_scope
from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, Category
from crm.db import dialect_insert
from crm.errors import ApiError, Conflict, Invalid, NotFound
from crm.incidents import messages
from crm.incidents.commitments import reopen_commitments, run_commitments, settle_resolved
from crm.incidents.households import close_pmr_task, ensure_pmr_tasks, take_households
from crm.incidents.models import (
    Commitment,
    CommitmentStatus,
    HelpVisit,
    Incident,
    IncidentCampaign,
    IncidentEvent,
    IncidentHousehold,
    IncidentKind,
    IncidentReport,
    IncidentStatus,
)
from crm.incidents.rules import KIND_LABELS, concerns, downtime_hours, hours_fr, notice_ok
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import Agency, Building, Entrance, Lease, Residence
from crm.phones import normalise_phone

KindName = Literal["lift", "heating", "hot_water", "water", "power", "cleaning", "access", "other"]
MIN_YEAR, MAX_YEAR = 2000, 2100
# A breakdown is declared when it happens (a few minutes of clock drift allowed).
BREAKDOWN_SLACK = timedelta(minutes=10)
PURPOSE_LABELS = {"notice": "avis", "reminder": "rappel la veille", "update": "point d'étape",
                  "resolved": "service rétabli", "commitment": "engagement"}


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid")
    residences: list[int] = Field(default_factory=list, max_length=1000)
    buildings: list[int] = Field(default_factory=list, max_length=1000)
    entrances: list[int] = Field(default_factory=list, max_length=1000)

    def is_empty(self) -> bool:
        return not (self.residences or self.buildings or self.entrances)


class Referent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(min_length=1, max_length=32)


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: KindName
    planned: bool = False
    scope: Scope
    starts_at: AwareDatetime
    expected_end_at: AwareDatetime | None = None
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    referent: Referent | None = None
    force_short_notice: str | None = Field(default=None, max_length=500)
    agency: int | None = None  # admins: checked against the scope


class NotifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str | None = Field(default=None, min_length=1, max_length=1600)
    preset: str | None = Field(default=None, max_length=40)
    send_at: AwareDatetime | None = None
    reminder_day_before: bool = False


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=1600)
    expected_end_at: AwareDatetime | None = None
    notify: bool = False


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolved_at: AwareDatetime | None = None
    notify: bool = False
    body: str | None = Field(default=None, min_length=1, max_length=1600)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant_id: int | None = Field(default=None, ge=1)
    channel: Literal["phone", "visit", "sms"]
    note: str | None = Field(default=None, max_length=1000)


class DoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=1000)
    notify: bool = False  # tell the households concerned by SMS
    body: str | None = Field(default=None, min_length=1, max_length=1600)


def _check_moment(value: datetime | None, field: str) -> None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        message = f"Date hors limites (années {MIN_YEAR} à {MAX_YEAR})."
        raise Invalid(f"Champ invalide : {field} ({message[:1].lower()}{message[1:-1]}).",
                      code="validation_error", details=[{"field": field, "message": message}])


# --- reading -----------------------------------------------------------------------------


async def get_incident(session: AsyncSession, incident_id: int, p: Principal) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("Incident introuvable.", code="incident_not_found")
    p.check_agency(incident.agency_id)
    return incident


async def _scope_agency(session: AsyncSession, scope: Scope, p: Principal, requested: int | None) -> int:
    """The one agency the scope lies in (403 outside one's own, 422 across agencies)."""
    await check_scope(session, Audience(residences=scope.residences, buildings=scope.buildings,
                                        entrances=scope.entrances), p)
    found: list[tuple[int, int]] = []
    if scope.residences:
        found += (await session.execute(select(Residence.id, Residence.agency_id)
                                        .where(Residence.id.in_(scope.residences)))).all()
    if scope.buildings:
        found += (await session.execute(
            select(Building.id, Residence.agency_id).join(Residence, Residence.id == Building.residence_id)
            .where(Building.id.in_(scope.buildings)))).all()
    if scope.entrances:
        found += (await session.execute(
            select(Entrance.id, Residence.agency_id).join(Building, Building.id == Entrance.building_id)
            .join(Residence, Residence.id == Building.residence_id)
            .where(Entrance.id.in_(scope.entrances)))).all()
    wanted = len(set(scope.residences)) + len(set(scope.buildings)) + len(set(scope.entrances))
    if len(found) != wanted:
        raise Invalid("Une partie du périmètre n'existe pas.", code="unknown_scope")
    agencies = {a for _, a in found}
    if len(agencies) != 1:
        raise Invalid("Un incident concerne une seule agence : découpez-le.", code="scope_spans_agencies")
    agency = agencies.pop()
    if requested is not None and requested != agency:
        raise Invalid("Le périmètre n'est pas dans l'agence indiquée.", code="scope_agency_mismatch")
    p.check_agency(agency)
    return agency


async def scope_label(session: AsyncSession, scope: dict[str, Any]) -> str:
    """"Les Provinces, bâtiment B, entrée 2" — what the pages and default titles show."""
    parts: list[str] = []
    if scope.get("residences"):
        parts += [n for n in (await session.scalars(
            select(Residence.name).where(Residence.id.in_(scope["residences"])).order_by(Residence.name)))]
    if scope.get("buildings"):
        parts += [f"{r}, bâtiment {b}" for b, r in (await session.execute(
            select(Building.name, Residence.name).join(Residence, Residence.id == Building.residence_id)
            .where(Building.id.in_(scope["buildings"])).order_by(Residence.name, Building.name))).all()]
    if scope.get("entrances"):
        parts += [f"{r}, bâtiment {b}, entrée {e}" for e, b, r in (await session.execute(
            select(Entrance.name, Building.name, Residence.name)
            .join(Building, Building.id == Entrance.building_id)
            .join(Residence, Residence.id == Building.residence_id)
            .where(Entrance.id.in_(scope["entrances"])).order_by(Residence.name, Building.name,
                                                                Entrance.name))).all()]
    return " ; ".join(parts)


# --- declaring ---------------------------------------------------------------------------


def _check_declaration(data: IncidentIn, now: datetime) -> str | None:
    """The rules of RULES.md on a new incident; returns the referent's phone (E.164 when
    it is a French number)."""
    for field in ("starts_at", "expected_end_at"):
        _check_moment(getattr(data, field), field)
    if data.scope.is_empty():
        raise Invalid("Choisissez au moins une résidence, un bâtiment ou une entrée.", code="empty_scope")
    if data.expected_end_at is not None and data.expected_end_at <= data.starts_at:
        raise Invalid("La fin prévue doit suivre le début.", code="end_before_start")
    if not data.planned and data.starts_at > now + BREAKDOWN_SLACK:
        raise Invalid("Une panne a déjà commencé : pour un arrêt à venir, cochez « programmé ».",
                      code="breakdown_in_future")
    phone = None
    if data.referent is not None:
        checked = normalise_phone(data.referent.phone)
        if checked is None or not checked.ok:
            raise Invalid("Le numéro du référent n'est pas un numéro français valide.",
                          code="invalid_referent_phone")
        phone = checked.e164
    if data.planned:
        if data.referent is None:
            raise Invalid("Un arrêt programmé a un référent (nom et téléphone) que les locataires "
                          "peuvent appeler.", code="referent_required")
        reason = (data.force_short_notice or "").strip()
        if not notice_ok(data.starts_at, now) and not reason:
            raise Invalid("Les locataires doivent être prévenus au moins 8 jours avant l'arrêt. "
                          "Donnez la raison d'un délai plus court pour continuer.",
                          code="notice_too_short",
                          details={"notice_days": 8, "starts_at": data.starts_at.astimezone(UTC).isoformat()})
    return phone


async def declare(app: web.Application, data: IncidentIn, p: Principal) -> int:
    now, tz = app[CLOCK].now(), app[SETTINGS].tz
    phone = _check_declaration(data, now)
    async with app[DB].session() as session:
        agency_id = await _scope_agency(session, data.scope, p, data.agency)
        scope = data.scope.model_dump()
        title = (data.title or "").strip()
        if not title:
            what = KIND_LABELS[data.kind]
            title = (f"{what} : arrêt programmé" if data.planned else f"{what} en panne") + \
                f" — {await scope_label(session, scope)}"
        future = data.starts_at > now
        short = data.planned and not notice_ok(data.starts_at, now)
        incident = Incident(
            agency_id=agency_id, kind=data.kind, planned=data.planned,
            status=IncidentStatus.PLANNED if data.planned and future else IncidentStatus.OPEN,
            title=title[:200], description=(data.description or "").strip() or None, scope=scope,
            starts_at=data.starts_at, expected_end_at=data.expected_end_at,
            referent_name=data.referent.name.strip() if data.referent else None, referent_phone=phone,
            short_notice_reason=(data.force_short_notice or "").strip() if short else None,
            households_taken_at=now, created_by=p.user_id, created_at=now, updated_at=now,
        )
        session.add(incident)
        await session.flush()
        assert incident.id is not None
        # A stop to come: today's households are those to tell; retaken when it starts.
        day = calendar.local_today(now if future else data.starts_at, tz)
        await take_households(session, incident, day)
        message = "Arrêt programmé annoncé." if data.planned else "Panne déclarée."
        if incident.short_notice_reason:
            message += f" Délai de prévenance réduit : {incident.short_notice_reason}"
        session.add(IncidentEvent(incident_id=incident.id, at=now, kind="declared", message=message,
                                  user_id=p.user_id))
        if data.planned and future:
            await ensure_pmr_tasks(session, incident, now=now, tz=tz)
        await run_commitments(session, now=now, tz=tz, incident_ids=[incident.id])
        await session.commit()
        return incident.id


# --- messages ----------------------------------------------------------------------------


async def _tenant_ids(session: AsyncSession, incident: Incident,
                      commitment_kind: str | None = None) -> list[int]:
    stmt = select(IncidentHousehold.tenant_id).where(IncidentHousehold.incident_id == incident.id).distinct()
    if commitment_kind is not None and not concerns(commitment_kind, incident.kind, False):
        stmt = stmt.where(IncidentHousehold.upper_floor.is_(True))
    return sorted(await session.scalars(stmt))


async def send_to_households(app: web.Application, incident_id: int, p: Principal, body: str, *,
                             purpose: str, send_at: datetime | None = None,
                             commitment_kind: str | None = None,
                             extra: dict[str, str] | None = None) -> int:
    """One campaign to the incident's households (those a commitment concerns, when given),
    through the outbox: quiet hours, opt-outs, preview and cost as for any campaign."""
    now, settings = app[CLOCK].now(), app[SETTINGS]
    _check_moment(send_at, "send_at")
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        tenant_ids = await _tenant_ids(session, incident, commitment_kind)
        if not tenant_ids:
            raise Invalid("Aucun foyer concerné par cet incident.", code="no_households")
        agency = await session.get(Agency, incident.agency_id)
        assert agency is not None
        data = campaigns.CampaignIn(
            name=f"Incident n°{incident.id} — {PURPOSE_LABELS[purpose]} — {incident.title}"[:200],
            category=Category.WORKS if incident.planned else Category.OUTAGE, body=body,
            audience=Audience(tenant_ids=tenant_ids), send_at=send_at,
            variables=messages.variables(incident, agency.name, agency.phone, settings.tz, extra),
            lift=incident.kind == IncidentKind.LIFT,
            agency=incident.agency_id if p.is_admin else None,
        )
        campaign = await campaigns.create(session, data, p, now, settings)
        link = IncidentCampaign(incident_id=incident.id, campaign_id=campaign.id, purpose=purpose)
        session.add(link)
        await session.commit()
        campaign_id = campaign.id
    assert campaign_id is not None
    try:
        await campaigns.launch(app[DB], app[DISPATCHER], campaign_id, p, settings=settings, now=now)
    except ApiError:
        # Nobody reachable, message too long...: no half-made campaign left behind.
        async with app[DB].session() as session:
            await session.execute(delete(IncidentCampaign).where(IncidentCampaign.campaign_id == campaign_id))
            await session.execute(delete(Campaign).where(Campaign.id == campaign_id))
            await session.commit()
        raise
    return campaign_id


def reminder_time(starts_at: datetime, tz: Any) -> datetime:
    """18:00 the day before the stop, or the Saturday before when that day is a Sunday or
    a public holiday (non-urgent SMS never go then)."""
    day = calendar.local_today(starts_at, tz) - timedelta(days=1)
    while day.weekday() == 6 or calendar.is_holiday(day):
        day -= timedelta(days=1)
    return calendar.at_local(day, datetime.min.time().replace(hour=18), tz)


async def notify(app: web.Application, incident_id: int, p: Principal, data: NotifyIn) -> dict[str, Any]:
    now, tz = app[CLOCK].now(), app[SETTINGS].tz
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
    if incident.status == IncidentStatus.RESOLVED:
        raise Conflict("Cet incident est résolu : prévenez du retour du service avec « résoudre ».",
                       code="incident_resolved")
    reminder_at = None
    if data.reminder_day_before:
        if not incident.planned:
            raise Invalid("Le rappel la veille concerne les arrêts programmés.", code="reminder_not_planned")
        reminder_at = reminder_time(incident.starts_at, tz)
        if reminder_at <= now:
            raise Invalid("Trop tard pour un rappel la veille.", code="reminder_too_late")
    body = data.body or messages.preset_body(data.preset or messages.notice_preset(incident))
    campaign_id = await send_to_households(app, incident_id, p, body, purpose="notice", send_at=data.send_at)
    out: dict[str, Any] = {"campaign_id": campaign_id}
    if reminder_at is not None:
        out["reminder_campaign_id"] = await send_to_households(
            app, incident_id, p, messages.preset_body("incident_reminder"), purpose="reminder",
            send_at=reminder_at)
        out["reminder_at"] = reminder_at
    return out


async def _try_send(app: web.Application, incident_id: int, p: Principal, body: str,
                    purpose: str) -> str | None:
    """Send, and keep the reason on the incident when nothing could go (nobody reachable)."""
    try:
        await send_to_households(app, incident_id, p, body, purpose=purpose)
        return None
    except Invalid as exc:
        async with app[DB].session() as session:
            session.add(IncidentEvent(incident_id=incident_id, at=app[CLOCK].now(), kind="sms_failed",
                                      message=f"SMS non envoyé : {exc.message}", user_id=p.user_id))
            await session.commit()
        return exc.message


async def add_update(app: web.Application, incident_id: int, p: Principal, data: UpdateIn) -> str | None:
    now = app[CLOCK].now()
    _check_moment(data.expected_end_at, "expected_end_at")
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        if incident.status == IncidentStatus.RESOLVED:
            raise Conflict("Cet incident est résolu.", code="incident_resolved")
        if data.expected_end_at is not None:
            if data.expected_end_at <= incident.starts_at:
                raise Invalid("La fin prévue doit suivre le début.", code="end_before_start")
            incident.expected_end_at = data.expected_end_at
        incident.updated_at = now
        session.add(IncidentEvent(incident_id=incident_id, at=now, kind="update",
                                  message=data.message.strip(), user_id=p.user_id))
        await session.commit()
    return await _try_send(app, incident_id, p, data.message.strip(), "update") if data.notify else None


async def resolve(app: web.Application, incident_id: int, p: Principal, data: ResolveIn) -> str | None:
    now, tz = app[CLOCK].now(), app[SETTINGS].tz
    _check_moment(data.resolved_at, "resolved_at")
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        if incident.status == IncidentStatus.RESOLVED:
            raise Conflict("Cet incident est déjà résolu.", code="already_resolved")
        if incident.status == IncidentStatus.PLANNED:
            raise Conflict("Cet arrêt programmé n'a pas commencé.", code="not_started")
        resolved_at = data.resolved_at or now
        if resolved_at < incident.starts_at or resolved_at > now + BREAKDOWN_SLACK:
            raise Invalid("La fin doit être entre le début de l'incident et maintenant.",
                          code="invalid_resolved_at")
        # Owed before the service came back: settle what the job may not have seen yet.
        await run_commitments(session, now=min(now, resolved_at), tz=tz, incident_ids=[incident_id])
        incident.status, incident.resolved_at, incident.updated_at = IncidentStatus.RESOLVED, resolved_at, now
        hours = hours_fr(downtime_hours(incident.starts_at, resolved_at))
        session.add(IncidentEvent(incident_id=incident_id, at=resolved_at, kind="resolved",
                                  message=f"Service rétabli (interruption de {hours} h).",
                                  user_id=p.user_id))
        await session.flush()
        await settle_resolved(session, incident, tz)
        await run_commitments(session, now=now, tz=tz, incident_ids=[incident_id])
        await session.commit()
    if not data.notify:
        return None
    return await _try_send(app, incident_id, p, data.body or messages.preset_body("incident_resolved"),
                           "resolved")


async def reopen(app: web.Application, incident_id: int, p: Principal) -> None:
    """Tenants say it is still down: the incident is open again and owes what it owed."""
    now, tz = app[CLOCK].now(), app[SETTINGS].tz
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        if incident.status != IncidentStatus.RESOLVED:
            raise Conflict("Cet incident n'est pas résolu.", code="not_resolved")
        incident.status, incident.resolved_at, incident.updated_at = IncidentStatus.OPEN, None, now
        session.add(IncidentEvent(incident_id=incident_id, at=now, kind="reopened",
                                  message="Incident rouvert : le service n'est pas rétabli.",
                                  user_id=p.user_id))
        await session.flush()
        await reopen_commitments(session, incident_id)
        await run_commitments(session, now=now, tz=tz, incident_ids=[incident_id])
        await session.commit()


# --- contacts, commitments, help plan ----------------------------------------------------


async def add_report(app: web.Application, incident_id: int, p: Principal, data: ReportIn) -> IncidentReport:
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        if data.tenant_id is not None:
            known = await session.scalar(select(Lease.id).where(
                Lease.tenant_id == data.tenant_id, Lease.agency_id == incident.agency_id).limit(1))
            if known is None:
                raise NotFound("Locataire introuvable dans cette agence.", code="tenant_not_found")
        report = IncidentReport(incident_id=incident_id, tenant_id=data.tenant_id, channel=data.channel,
                                note=(data.note or "").strip() or None, at=now, user_id=p.user_id)
        session.add(report)
        await session.commit()
        return report


async def get_commitment(session: AsyncSession, commitment_id: int, p: Principal) -> Commitment:
    commitment = await session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("Engagement introuvable.", code="commitment_not_found")
    p.check_agency(commitment.agency_id)
    return commitment


async def mark_done(app: web.Application, commitment_id: int, p: Principal, data: DoneIn) -> str | None:
    from crm.incidents.rules import COMMITMENT_LABELS

    now = app[CLOCK].now()
    async with app[DB].session() as session:
        commitment = await get_commitment(session, commitment_id, p)
        if commitment.status == CommitmentStatus.CANCELLED:
            raise Conflict("Cet engagement est annulé : le service est revenu avant l'échéance.",
                           code="commitment_cancelled")
        if commitment.status == CommitmentStatus.DONE:
            raise Conflict("Cet engagement est déjà tenu.", code="already_done")
        commitment.status, commitment.done_at, commitment.done_by = CommitmentStatus.DONE, now, p.user_id
        commitment.note = (data.note or "").strip() or None
        label = COMMITMENT_LABELS.get(commitment.kind, commitment.kind)
        session.add(IncidentEvent(incident_id=commitment.incident_id, at=now, kind="commitment_done",
                                  message=f"{label} : fait." + (f" {commitment.note}" if commitment.note else ""),
                                  user_id=p.user_id))
        await session.commit()
        incident_id, kind = commitment.incident_id, commitment.kind
        extra = {"working_days": str(commitment.working_days),
                 "rebate_percent": f"{commitment.rebate_percent or 0:g}".replace(".", ",")}
    if not data.notify:
        return None
    body = data.body or messages.preset_body(f"incident_{kind}")
    try:
        await send_to_households(app, incident_id, p, body, purpose="commitment",
                                 commitment_kind=kind, extra=extra)
    except Invalid as exc:
        return exc.message
    return None


SLOTS = {"morning": "matin", "afternoon": "après-midi"}
SLOT_CHOICES = {"morning": ("morning",), "afternoon": ("afternoon",), "both": ("morning", "afternoon"),
                "none": ()}


async def get_household(session: AsyncSession, incident: Incident, household_id: int) -> IncidentHousehold:
    household = await session.get(IncidentHousehold, household_id)
    if household is None or household.incident_id != incident.id:
        raise NotFound("Foyer introuvable pour cet incident.", code="household_not_found")
    return household


async def record_needs(app: web.Application, incident_id: int, household_id: int, p: Principal,
                       needs: str, slots: str) -> None:
    """What the reduced-mobility call found out: the needs and the slots; the call is done."""
    if slots not in SLOT_CHOICES:
        raise Invalid("Créneau inconnu.", code="invalid_slot")
    now = app[CLOCK].now()
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        household = await get_household(session, incident, household_id)
        household.help_needs = needs.strip()[:500] or None
        household.help_slots = slots
        await close_pmr_task(session, household, now)
        session.add(IncidentEvent(incident_id=incident_id, at=now, kind="pmr_call",
                                  message="Accompagnement PMR : besoins notés.", user_id=p.user_id))
        await session.commit()


async def tick_help(app: web.Application, incident_id: int, household_id: int, p: Principal,
                    day: date, slot: str) -> None:
    """One slot of the daily help plan done (idempotent on household, day, slot)."""
    if slot not in SLOTS:
        raise Invalid("Créneau inconnu.", code="invalid_slot")
    now, tz = app[CLOCK].now(), app[SETTINGS].tz
    async with app[DB].session() as session:
        incident = await get_incident(session, incident_id, p)
        household = await get_household(session, incident, household_id)
        start = calendar.local_today(incident.starts_at, tz)
        if not household.reduced_mobility or not start <= day <= calendar.local_today(now, tz):
            raise Invalid("Ce passage n'est pas dans le plan d'aide.", code="not_in_help_plan")
        await session.execute(dialect_insert(session)(HelpVisit).values(
            household_id=household.id, day=day, slot=slot, done_at=now, done_by=p.user_id,
        ).on_conflict_do_nothing(index_elements=["household_id", "day", "slot"]))
        await session.commit()
