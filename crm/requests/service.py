"""What can be done with a request, for every entry point (API, pages, the call sheet, the
inbox, the landlord's push by reference). Functions take a session; the caller commits,
then calls ``wake`` so queued SMS leave without waiting for the next poll."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import OutboxMessage
from crm.errors import Conflict, Invalid, NotFound
from crm.models import Agency, Lease, User
from crm.requests import due, steps
from crm.requests.models import RequestMessage, RequestSource, RequestStep, TenantRequest
from crm.requests.notify import notify_step, sms_step_for
from crm.requests.sms_templates import SATISFACTION


@dataclass(frozen=True)
class NewRequest:
    tenant_id: int
    kind: str
    category: str
    description: str = ""
    urgency: str | None = None
    external_ref: str | None = None
    owner_id: int | None = None


def wake(app: web.Application) -> None:
    """Nudge the outbox dispatcher after a commit that queued SMS."""
    app[DISPATCHER].wake()


async def tenant_agency(session: AsyncSession, tenant_id: int) -> tuple[int, str | None]:
    """(agency id, département) of the tenant's latest lease; 404 for an unknown tenant."""
    row = (await session.execute(
        select(Lease.agency_id, Agency.department).join(Agency, Agency.id == Lease.agency_id)
        .where(Lease.tenant_id == tenant_id)
        .order_by(Lease.lease_start.desc(), Lease.id.desc()).limit(1))).first()
    if row is None:
        raise NotFound("Locataire introuvable.", code="tenant_not_found")
    return row[0], row[1]


def _check_fields(data: NewRequest) -> None:
    if data.kind not in steps.KINDS:
        raise Invalid("Une demande est technique ou administrative.", code="invalid_kind")
    if not data.category.strip():
        raise Invalid("La catégorie est obligatoire.", code="invalid_category")
    if data.urgency is not None and data.urgency not in steps.URGENCIES:
        raise Invalid("L'urgence est U1, U2 ou U3.", code="invalid_urgency")


async def _check_owner(session: AsyncSession, owner_id: int | None, agency_id: int) -> None:
    """The owner is an active user of the request's agency (or an admin)."""
    if owner_id is None:
        return
    owner = await session.get(User, owner_id)
    if owner is None or not owner.active or (owner.role != "admin" and owner.agency_id != agency_id):
        raise Invalid("Le responsable doit être un conseiller de l'agence.", code="invalid_owner")


async def create_request(session: AsyncSession, data: NewRequest, *, now: datetime, tz: ZoneInfo,
                         user_id: int | None, source: str = RequestSource.API,
                         interview_id: int | None = None, inbound_message_id: int | None = None,
                         agency_id: int | None = None) -> TenantRequest:
    """A new request at ``registered`` (its SMS queued). ``agency_id`` defaults to the
    tenant's latest lease; callers check the scope before."""
    _check_fields(data)
    tenant_agency_id, department = await tenant_agency(session, data.tenant_id)
    agency_id = agency_id or tenant_agency_id
    await _check_owner(session, data.owner_id, agency_id)
    urgency = data.urgency or due.DEFAULT_URGENCY
    request = TenantRequest(
        tenant_id=data.tenant_id, agency_id=agency_id, kind=data.kind,
        category=steps.category_code(data.category)[:60],
        description=(data.description or "").strip(), urgency=urgency, status=steps.REGISTERED, external_ref=data.external_ref,
        owner_id=data.owner_id, source=source, interview_id=interview_id,
        inbound_message_id=inbound_message_id, registered_at=now,
        due_at=due.due_at(urgency, now, tz, department), created_by=user_id, updated_at=now,
    )
    session.add(request)
    await session.flush()
    session.add(RequestStep(request_id=request.id, status=steps.REGISTERED, at=now, user_id=user_id))
    await notify_step(session, request, steps.REGISTERED, now=now, tz=tz, user_id=user_id)
    await session.flush()
    return request


async def locked(session: AsyncSession, request_id: int) -> TenantRequest:
    """The request, row-locked until commit on PostgreSQL (concurrent steps serialise)."""
    found = (await session.scalars(
        select(TenantRequest).where(TenantRequest.id == request_id).with_for_update()
        .execution_options(populate_existing=True))).first()
    if found is None:
        raise NotFound("Demande introuvable.", code="request_not_found")
    return found


async def change_status(session: AsyncSession, request: TenantRequest, new: str, *,
                        now: datetime, tz: ZoneInfo, user_id: int | None,
                        note: str | None = None, appointment_at: datetime | None = None) -> None:
    """Move the request to ``new`` (forward only, or reopen ``done → in_progress``), record
    the step and queue its SMS; closing also queues the satisfaction question."""
    if new not in steps.ALL:
        raise Invalid("Étape inconnue.", code="invalid_status", details={"allowed": list(steps.ALL)})
    if new == steps.SCHEDULED and appointment_at is None:
        raise Invalid("Un rendez-vous a besoin de sa date et de son heure.", code="appointment_required")
    steps.check_transition(request.status, new)
    await _compare_and_set(session, request, new)
    request.status = new
    request.updated_at = now
    if new == steps.SCHEDULED:
        request.appointment_at = appointment_at
    if new == steps.DONE and request.done_at is None:
        request.done_at = now
    if new == steps.CLOSED:
        request.closed_at = now
    session.add(RequestStep(request_id=request.id, status=new, at=now, user_id=user_id,
                            note=(note or "").strip() or None,
                            appointment_at=appointment_at if new == steps.SCHEDULED else None))
    await session.flush()
    sms_step = sms_step_for(new)
    if sms_step is not None:
        await notify_step(session, request, sms_step, now=now, tz=tz, user_id=user_id)
    if new == steps.CLOSED:
        await notify_step(session, request, SATISFACTION, now=now, tz=tz, user_id=user_id)


class StepRaced(Conflict):
    """Another transaction moved the request meanwhile (SQLite has no row lock to wait on)."""

    def __init__(self) -> None:
        super().__init__("La demande vient de changer d'étape par ailleurs ; rechargez-la.",
                         code="step_changed_meanwhile")


async def _compare_and_set(session: AsyncSession, request: TenantRequest, new: str) -> None:
    """Move the status only if it is still the one read: of two simultaneous changes, one
    wins and the other is told (on PostgreSQL the row lock already serialises them)."""
    result = await session.execute(
        update(TenantRequest)
        .where(TenantRequest.id == request.id, TenantRequest.status == request.status)
        .values(status=new).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StepRaced()


async def reopen(session: AsyncSession, request: TenantRequest, *, now: datetime, tz: ZoneInfo,
                 note: str) -> bool:
    """``done → in_progress`` because the tenant says it is not fixed; the owner is alerted."""
    if request.status != steps.DONE:
        return False
    await change_status(session, request, steps.IN_PROGRESS, now=now, tz=tz, user_id=None, note=note)
    request.reopened_alert_at = now
    await session.flush()
    return True


@dataclass(frozen=True)
class Pushed:
    request: TenantRequest
    created: bool
    changed: bool
    ignored_status: str | None  # a step older than the current one, ignored


async def push_by_ref(session: AsyncSession, external_ref: str, data: NewRequest, status: str, *,
                      now: datetime, tz: ZoneInfo, user_id: int | None,
                      note: str | None = None, appointment_at: datetime | None = None,
                      check_agency: Any = None) -> Pushed:
    """Create or update the request known by ``external_ref`` (the landlord's software).
    The same body twice changes nothing and sends nothing; an older step is ignored."""
    if status not in steps.ALL:
        raise Invalid("Étape inconnue.", code="invalid_status", details={"allowed": list(steps.ALL)})
    _check_fields(data)
    found = (await session.scalars(
        select(TenantRequest).where(TenantRequest.external_ref == external_ref).with_for_update()
        .execution_options(populate_existing=True))).first()
    created = found is None
    if found is None:
        agency_id, _ = await tenant_agency(session, data.tenant_id)
        if check_agency is not None:
            check_agency(agency_id)
        request = await create_request(session, NewRequest(**{**data.__dict__, "external_ref": external_ref}),
                                       now=now, tz=tz, user_id=user_id, source=RequestSource.PUSH)
        changed = True
    else:
        request = found
        if check_agency is not None:
            check_agency(request.agency_id)
        if request.tenant_id != data.tenant_id:
            raise Conflict("Cette référence désigne la demande d'un autre locataire.",
                           code="tenant_mismatch")
        changed = await _update_fields(session, request, data, now=now, tz=tz)
    ignored = None
    if status == request.status and status == steps.SCHEDULED and appointment_at is not None \
            and appointment_at != request.appointment_at:
        request.appointment_at = appointment_at  # a moved appointment: kept, SMS not resent
        request.updated_at = now
        changed = True
    elif steps.is_older_or_same(request.status, status):
        if status != request.status:
            ignored = status
    else:
        await change_status(session, request, status, now=now, tz=tz, user_id=user_id, note=note,
                            appointment_at=appointment_at)
        changed = True
    return Pushed(request, created, changed, ignored)


async def push_by_ref_retrying(session_factory: Any, *args: Any, **kwargs: Any) -> Pushed:
    """``push_by_ref`` in its own transaction, committed; when a concurrent push created the
    reference or moved the step meanwhile, once more on what that push left."""
    from sqlalchemy.exc import IntegrityError

    for attempt in (1, 2, 3):
        async with session_factory() as session:
            try:
                pushed = await push_by_ref(session, *args, **kwargs)
                await session.commit()
                return pushed
            except (IntegrityError, StepRaced):
                await session.rollback()
                if attempt == 3:
                    raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _update_fields(session: AsyncSession, request: TenantRequest, data: NewRequest, *,
                         now: datetime, tz: ZoneInfo) -> bool:
    changes = {
        "kind": data.kind, "category": steps.category_code(data.category)[:60],
        "description": (data.description or "").strip(),
    }
    if data.urgency is not None:
        changes["urgency"] = data.urgency
    if data.owner_id is not None:
        await _check_owner(session, data.owner_id, request.agency_id)
        changes["owner_id"] = data.owner_id  # type: ignore[assignment]
    changed = {k: v for k, v in changes.items() if getattr(request, k) != v}
    for key, value in changed.items():
        setattr(request, key, value)
    if "urgency" in changed:
        _, department = await tenant_agency(session, request.tenant_id)
        request.due_at = due.due_at(request.urgency, request.registered_at, tz, department)
    if changed:
        request.updated_at = now
        await session.flush()
    return bool(changed)


async def set_owner(session: AsyncSession, request: TenantRequest, owner_id: int | None,
                    now: datetime) -> None:
    await _check_owner(session, owner_id, request.agency_id)
    request.owner_id = owner_id
    request.updated_at = now
    if owner_id is not None:
        request.reopened_alert_at = None  # the new owner sees the request anyway
    await session.flush()


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Detail:
    steps: list[RequestStep]
    messages: dict[str, tuple[RequestMessage, str | None]]  # step -> (message, outbox status)


async def details(session: AsyncSession, request_ids: list[int]) -> dict[int, Detail]:
    """Steps and SMS of many requests in two queries (lists show them too)."""
    out: dict[int, Detail] = defaultdict(lambda: Detail([], {}))
    if not request_ids:
        return out
    for step in (await session.scalars(
            select(RequestStep).where(RequestStep.request_id.in_(request_ids))
            .order_by(RequestStep.at, RequestStep.id))).all():
        out[step.request_id].steps.append(step)
    rows = await session.execute(
        select(RequestMessage, OutboxMessage.status)
        .outerjoin(OutboxMessage, OutboxMessage.id == RequestMessage.outbox_message_id)
        .where(RequestMessage.request_id.in_(request_ids)))
    for message, status in rows.all():
        out[message.request_id].messages[message.step] = (message, status)
    return out


def _sms_json(entry: tuple[RequestMessage, str | None] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    message, status = entry
    return {"id": message.outbox_message_id, "status": status or message.skipped}


def request_json(request: TenantRequest, detail: Detail, now: datetime) -> dict[str, Any]:
    seen: set[str] = set()
    step_items = []
    for step in detail.steps:
        key = SATISFACTION if step.status == steps.CLOSED else step.status
        # The SMS belongs to the first time the step was reached (it never goes twice).
        sms = None if key in seen else _sms_json(detail.messages.get(key))
        seen.add(key)
        step_items.append({"status": step.status, "at": step.at, "note": step.note,
                           "appointment_at": step.appointment_at, "user_id": step.user_id,
                           "sms": sms})
    return {
        "id": request.id, "tenant_id": request.tenant_id, "agency_id": request.agency_id,
        "kind": request.kind, "category": request.category, "description": request.description,
        "urgency": request.urgency, "status": request.status, "notify": request.notify,
        "registered_at": request.registered_at, "due_at": request.due_at,
        "late": request.is_late(now), "external_ref": request.external_ref,
        "owner_id": request.owner_id, "source": request.source,
        "appointment_at": request.appointment_at, "steps": step_items,
        "satisfaction": request.satisfaction,
    }


def late_condition(now: datetime) -> Any:
    return (TenantRequest.status.in_(steps.OPEN)) & (TenantRequest.due_at < now)


async def count_by_status(session: AsyncSession, where: list[Any]) -> dict[str, int]:
    rows = await session.execute(
        select(TenantRequest.status, func.count()).where(*where).group_by(TenantRequest.status))
    return {status: n for status, n in rows.all()}


async def satisfaction_answers(session: AsyncSession, *, start: datetime, end: datetime,
                               agency_id: int | None) -> list[tuple[str, datetime, int]]:
    """(survey theme, answered at, score) of the satisfaction SMS answered in [start, end):
    what the survey comparison counts as its ``sms`` source."""
    stmt = (select(TenantRequest.kind, TenantRequest.satisfaction_at, TenantRequest.satisfaction)
            .where(TenantRequest.satisfaction.is_not(None), TenantRequest.satisfaction_at >= start,
                   TenantRequest.satisfaction_at < end))
    if agency_id is not None:
        stmt = stmt.where(TenantRequest.agency_id == agency_id)
    return [(steps.theme_of(kind), at, score) for kind, at, score in (await session.execute(stmt)).all()]


async def opened_by_interview(session: AsyncSession, interview_id: int, now: datetime) -> list[dict[str, Any]]:
    """The requests a courtesy-call interview opened, as the API shows them."""
    items = (await session.scalars(select(TenantRequest).where(TenantRequest.interview_id == interview_id)
                                   .order_by(TenantRequest.id))).all()
    found = await details(session, [i.id for i in items])  # type: ignore[misc]
    return [request_json(i, found[i.id], now) for i in items]  # type: ignore[index]


async def summaries_for_tenant(session: AsyncSession, tenant_id: int, now: datetime) -> list[dict[str, Any]]:
    """A tenant's requests in a few words (the call sheet shows them), newest first."""
    items = (await session.scalars(select(TenantRequest).where(TenantRequest.tenant_id == tenant_id)
                                   .order_by(TenantRequest.registered_at.desc(), TenantRequest.id.desc()))).all()
    return [{"id": r.id, "kind": steps.KINDS.get(r.kind, r.kind), "category": steps.category_label(r.category),
             "description": r.description, "status": steps.LABELS.get(r.status, r.status),
             "late": r.is_late(now), "href": f"/demandes/{r.id}"} for r in items]
