"""Demo requests: a few hundred across every step, some late, some pushed by the landlord's
software by reference, with their status SMS (rendered from the step texts, delivered) and
answers to the satisfaction question. Written in bulk, as the campaigns' demo is: going
through the service step by step costs a dozen queries per step. Requests opened during
courtesy calls come from the calls' demo."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from crm import calendar
from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage, OutboxStatus
from crm.clock import Clock
from crm.db import Database
from crm.models import Agency, Lease, Role, User
from crm.requests import due, service, sms_templates, steps
from crm.requests.models import RequestMessage, RequestSource, RequestStep, TenantRequest
from crm.requests.notify import CAMPAIGN_KIND, sms_step_for
from crm.sms.encoding import analyse

PARIS = ZoneInfo("Europe/Paris")
PER_AGENCY = 100
HISTORY_DAYS = 120
DESCRIPTIONS = {
    "leak": "Fuite sous l'évier de la cuisine", "heating": "Radiateur de la chambre froid",
    "electricity": "Prise du salon qui ne fonctionne plus", "lift": "Ascenseur bloqué au 3e",
    "locks": "Porte du hall qui ne ferme plus", "joinery": "Volet roulant bloqué",
    "common_areas": "Éclairage de la cage d'escalier en panne", "pests": "Cafards dans la cuisine",
    "rent": "Question sur l'échéancier de loyer", "charges": "Régularisation des charges incomprise",
    "certificate": "Attestation de loyer pour la CAF", "dwelling_change": "Demande de T3",
    "neighbour_dispute": "Bruit du voisin du dessus la nuit",
    "incivility": "Dépôts sauvages au local poubelles",
}
SCORES = ((4, 45), (3, 30), (2, 15), (1, 10))
ANSWERS = {4: ["4", "4 merci", "Très satisfait"], 3: ["3", "3 merci", "Plutôt satisfaite"],
           2: ["2", "Bof"], 1: ["1", "Pas du tout satisfait"]}


@dataclass
class _Planned:
    request: TenantRequest
    steps: list[RequestStep] = field(default_factory=list)
    sms: list[tuple[str, datetime]] = field(default_factory=list)  # (step key, when)


def _working_hour(moment: datetime, rng: random.Random) -> datetime:
    day = calendar.next_working_day(moment.astimezone(PARIS).date(), include=True)
    return calendar.at_local(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), PARIS)


def _plan(rng: random.Random, now: datetime, tenant_id: int, agency_id: int, department: str | None,
          owner: int | None, ref: int) -> _Planned:
    """One request and the steps it went through by ``now``, as the service records them."""
    kind = rng.choices(("technical", "administrative"), (70, 30))[0]
    category = rng.choice([c for c in steps.CATEGORIES[kind] if c in DESCRIPTIONS])
    urgency = rng.choices(("U1", "U2", "U3"), (10, 25, 65))[0]
    age = timedelta(days=rng.uniform(0, HISTORY_DAYS))
    at = min(_working_hour(now - age, rng), now - timedelta(hours=1))
    pushed = rng.random() < 0.3
    request = TenantRequest(
        tenant_id=tenant_id, agency_id=agency_id, kind=kind, category=category,
        description=DESCRIPTIONS[category], urgency=urgency, status=steps.REGISTERED,
        external_ref=f"GMAO-2026-{ref:05d}" if pushed else None, owner_id=owner,
        source=RequestSource.PUSH if pushed else RequestSource.PAGE, registered_at=at,
        due_at=due.due_at(urgency, at, PARIS, department), created_by=owner, updated_at=at)
    # request_id is set after the flush
    first = RequestStep(status=steps.REGISTERED, at=at, user_id=owner)  # type: ignore[call-arg]
    planned = _Planned(request, [first], [(steps.REGISTERED, at)])
    # Older requests went further; a few were cancelled; a fifth drag on (late ones).
    path = [steps.TAKEN_ON, steps.SCHEDULED, steps.IN_PROGRESS, steps.DONE, steps.CLOSED]
    reach = min(len(path), int(age.days / 25) + rng.randint(0, 2))
    if rng.random() < 0.05:
        path, reach = [steps.CANCELLED], 1
    slow = rng.random() < 0.2
    t = at
    for status in path[:reach]:
        t += timedelta(hours=rng.uniform(1, 30 if slow else 8))
        appointment = None
        if status == steps.SCHEDULED:
            appointment = _working_hour(t + timedelta(days=rng.randint(1, 4)), rng)
            request.appointment_at = appointment
        elif status == steps.IN_PROGRESS and request.appointment_at:
            t = max(t, request.appointment_at)
        if t >= now:
            break
        request.status, request.updated_at = status, t
        if status == steps.DONE:
            request.done_at = t
        if status == steps.CLOSED:
            request.closed_at = t
        planned.steps.append(RequestStep(  # type: ignore[call-arg]  # request_id set after the flush
            status=status, at=t, user_id=owner, appointment_at=appointment))
        key = sms_step_for(status) or sms_templates.SATISFACTION
        planned.sms.append((key, t))
    return planned


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    async with db.session() as session:
        templates = await sms_templates.current_templates(session)
        ref = 0
        for agency in (await session.scalars(select(Agency).order_by(Agency.id))).all():
            tenants = (await session.scalars(
                select(Lease.tenant_id).where(Lease.agency_id == agency.id, Lease.lease_end.is_(None))
                .order_by(Lease.id).limit(3000))).all()
            advisers = (await session.scalars(select(User.id).where(
                User.agency_id == agency.id, User.role == Role.ADVISER))).all()
            if not tenants:
                continue
            chosen = rng.sample(list(tenants), min(PER_AGENCY, len(tenants)))
            contacts: dict[int, Any] = {}
            scan = AudienceScan(Audience(tenant_ids=chosen), agency.id, now.astimezone(PARIS).date())
            async for batch in scan.chunks(session):
                contacts.update({r.tenant_id: r for r in batch})
            plans = []
            for tenant_id in chosen:
                ref += 1
                plans.append(_plan(rng, now, tenant_id, agency.id, agency.department,
                                   rng.choice(advisers) if advisers else None, ref))
            await _write(session, rng, now, agency.id, plans, contacts, templates)
        await _advance_call_requests(session, rng, now)
        await _deliver(session, rng, now)
        await session.commit()


async def _advance_call_requests(session: Any, rng: random.Random, now: datetime) -> None:
    """Requests opened during the demo's courtesy calls have moved on since: dealt with
    after three weeks, being dealt with after one (through the service, so with their SMS)."""
    opened = (await session.scalars(select(TenantRequest).where(
        TenantRequest.source == RequestSource.CALL, TenantRequest.status == steps.REGISTERED,
        TenantRequest.registered_at < now - timedelta(days=7)))).all()
    for request in opened:
        at = request.registered_at + timedelta(days=rng.uniform(1, 6))
        target = steps.DONE if request.registered_at < now - timedelta(days=21) else steps.IN_PROGRESS
        await service.change_status(session, request, target, now=at, tz=PARIS, user_id=request.owner_id)


async def _deliver(session: Any, rng: random.Random, now: datetime) -> None:
    """Status SMS written through the service for past moments went out long ago."""
    rows = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.next_try_at)
        .join(RequestMessage, RequestMessage.outbox_message_id == OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_try_at < now - timedelta(minutes=5)))).all()
    for row_id, at in rows:
        sent = at + timedelta(seconds=rng.randint(1, 90))
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
            status=OutboxStatus.DELIVERED, attempts=1, provider_sid=f"SM{rng.getrandbits(128):032x}",
            sent_at=sent, updated_at=sent, delivered_at=sent + timedelta(seconds=4))
            .execution_options(synchronize_session=False))


async def _write(session: Any, rng: random.Random, now: datetime, agency_id: int,
                 plans: list[_Planned], contacts: dict[int, Any],
                 templates: dict[str, tuple[str, bool]]) -> None:
    session.add_all([p.request for p in plans])
    await session.flush()
    messages: list[tuple[_Planned, str, Campaign | None, OutboxMessage | None]] = []
    for p in plans:
        for step in p.steps:
            step.request_id = p.request.id  # type: ignore[assignment]  # flushed: the id exists
        session.add_all(p.steps)
        if not p.request.notify:
            continue
        for key, at in p.sms:
            body, enabled = templates[key]
            if not enabled:
                continue
            recipient = contacts.get(p.request.tenant_id)
            if recipient is None:
                messages.append((p, key, None, None))
                continue
            text = sms_templates.render(body, recipient.context,
                                        sms_templates.request_variables(p.request, PARIS))
            send_at = calendar.next_sms_sending_time(at, PARIS)
            went = send_at < now - timedelta(minutes=5)
            sent_at = send_at + timedelta(seconds=rng.randint(1, 90))
            delivered = rng.random() < 0.95
            campaign = Campaign(
                name=f"Demande — {sms_templates.STEP_LABELS[key]}", kind=CAMPAIGN_KIND,
                category=Category.REQUEST_FOLLOWUP, body=text, agency_id=agency_id,
                status=CampaignStatus.DONE if went else CampaignStatus.SENDING,
                created_at=at, launched_at=at, send_at=send_at)
            outbox = OutboxMessage(  # type: ignore[call-arg]  # campaign_id set after the flush
                tenant_id=p.request.tenant_id, e164=recipient.e164, body=text,
                segments=max(analyse(text).segments, 1), created_at=at, next_try_at=send_at,
                status=(OutboxStatus.DELIVERED if delivered else OutboxStatus.UNDELIVERED)
                if went else OutboxStatus.PENDING, attempts=1 if went else 0,
                provider_sid=f"SM{rng.getrandbits(128):032x}" if went else None,
                sent_at=sent_at if went else None, updated_at=sent_at if went else None,
                delivered_at=sent_at + timedelta(seconds=4) if went and delivered else None,
                error_code=None if delivered or not went else 30003)
            messages.append((p, key, campaign, outbox))
    session.add_all([c for _, _, c, _ in messages if c is not None])
    await session.flush()
    for _, _, made_campaign, made_outbox in messages:
        if made_outbox is not None and made_campaign is not None:
            made_outbox.campaign_id = made_campaign.id  # type: ignore[assignment]  # flushed
    session.add_all([o for _, _, _, o in messages if o is not None])
    await session.flush()
    session.add_all([RequestMessage(request_id=p.request.id, step=key, created_at=p.steps[0].at,
                                    outbox_message_id=o.id if o is not None else None,
                                    skipped=None if o is not None else "no_mobile")
                     for p, key, _, o in messages])
    await _answers(session, rng, now, messages)


async def _answers(session: Any, rng: random.Random, now: datetime,
                   messages: list[tuple[_Planned, str, Campaign | None, OutboxMessage | None]]) -> None:
    """About six satisfaction questions in ten get an answer the service understood."""
    from crm.inbox.models import InboundMessage, InboundStatus

    for p, key, _, outbox in messages:
        if key != sms_templates.SATISFACTION or outbox is None or outbox.sent_at is None:
            continue
        at = outbox.sent_at + timedelta(minutes=rng.randint(3, 600))
        if at >= now or rng.random() > 0.6:
            continue
        score = rng.choices([s for s, _ in SCORES], [w for _, w in SCORES])[0]
        p.request.satisfaction, p.request.satisfaction_at = score, at
        session.add(InboundMessage(
            provider_sid=f"SM{rng.getrandbits(128):032x}", from_e164=outbox.e164,
            body=rng.choice(ANSWERS[score]), received_at=at, tenant_id=p.request.tenant_id,
            agency_id=p.request.agency_id, outbox_message_id=outbox.id,
            campaign_id=outbox.campaign_id, intent="other", status=InboundStatus.HANDLED,
            handled_at=at))
    await session.flush()
