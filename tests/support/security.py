"""Helpers for the security tests: two agencies (Blois, Vendôme) with data in every feature,
and the ids of each agency's objects, so a test can aim one agency's users at the other's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from crm.calls.models import CallAttempt, CallTask, Interview, TaskKind, TaskStatus
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.db import Database
from crm.inbox.models import InboundMessage, ReplyTemplate
from crm.requests.models import RequestSmsTemplate, RequestStep, TenantRequest
from crm.sms.models import LocalSms
from tests.support.calls import new_task
from tests.support.surveys import add_interviews, add_survey_answers

AT = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@dataclass
class World:
    """One agency's objects. ``marker`` is written in every text of that agency, so a page
    or a list that leaks it is easy to spot."""

    name: str
    marker: str
    agency: int
    residence: int
    tenant: int
    lease: int
    task: int
    attempt: int
    interview: int
    follow_up: int
    draft: int  # a campaign draft
    sent: int  # a campaign already sent, with failures
    inbound: int
    outbox: int
    local_sms: int
    incident: int = 0  # an open lift breakdown with a due commitment
    commitment: int = 0
    household: int = 0
    reply_template: int = 0


async def build_agency(db: Database, name: str, marker: str, mobile: str) -> World:
    """A new tenant with an open courtesy-call task, one attempt, an interview with a
    follow-up, a draft and a sent campaign (one failure), a reply in the inbox and the SMS
    kept by the local backend, all in agency ``name``."""
    task = await new_task(db, agency=name, residence=f"Résidence {marker}",
                          last_name=f"Locataire{marker}", mobile=mobile, building=f"Bât {marker}")
    async with db.session() as s:
        attempt = CallAttempt(task_id=task.id, at=AT, outcome="no_answer", phone_e164=mobile,
                              note=f"Note {marker}")
        # The interview belongs to an earlier call (a callback task, completed), so the
        # courtesy task stays open for the call routes.
        done = CallTask(lease_id=task.lease_id, kind=TaskKind.CALLBACK, tenant_id=task.tenant_id,
                        agency_id=task.agency_id, window_start=task.window_start,
                        window_end=task.window_end, status=TaskStatus.COMPLETED, created_at=AT,
                        closed_at=AT)
        s.add(done)
        await s.flush()
        interview = Interview(task_id=done.id, tenant_id=task.tenant_id, agency_id=task.agency_id,
                              at=AT, answers={"cleanliness": 3}, summary=f"Résumé {marker}")
        s.add_all([attempt, interview])
        await s.flush()
        follow_up = TenantRequest(interview_id=interview.id, tenant_id=task.tenant_id,
                                  agency_id=task.agency_id, kind="technical", category="leak",
                                  description=f"Fuite {marker}", source="call", registered_at=AT,
                                  due_at=AT, updated_at=AT, external_ref=f"REF-{marker}")
        draft = Campaign(name=f"Brouillon {marker}", category="information",
                         body=f"Information {marker}", audience={"agencies": [task.agency_id]},
                         agency_id=task.agency_id, created_at=AT)
        sent = Campaign(name=f"Coupure {marker}", category="outage", urgent=True,
                        body=f"Coupure {marker}", audience={"agencies": [task.agency_id]},
                        agency_id=task.agency_id, status=CampaignStatus.DONE, created_at=AT,
                        launched_at=AT)
        s.add_all([follow_up, draft, sent])
        await s.flush()
        s.add(RequestStep(request_id=follow_up.id, status="registered", at=AT))
        sid = f"SM-{marker}"
        outbox = OutboxMessage(campaign_id=sent.id, tenant_id=task.tenant_id, e164=mobile,
                               body=f"Coupure {marker}", status=OutboxStatus.DELIVERED,
                               provider_sid=sid, created_at=AT, sent_at=AT)
        failed = OutboxMessage(campaign_id=sent.id, tenant_id=task.tenant_id, e164=mobile + "9",
                               body=f"Coupure {marker}", status=OutboxStatus.FAILED,
                               error_code=30006, error_reason=f"Échec {marker}", created_at=AT)
        s.add_all([outbox, failed])
        await s.flush()
        inbound = InboundMessage(provider_sid=f"IN{sid}", from_e164=mobile, body=f"Réponse {marker}",
                                 received_at=AT + timedelta(minutes=5), tenant_id=task.tenant_id,
                                 agency_id=task.agency_id, campaign_id=sent.id,
                                 outbox_message_id=outbox.id, intent="question")
        local = LocalSms(sid=sid, to=mobile, body=f"Coupure {marker}", at=AT)
        template = ReplyTemplate(agency_id=task.agency_id, title=f"Modèle {marker}",
                                 body=f"Réponse type {marker}", created_at=AT)
        s.add_all([inbound, local, template])
        await s.commit()
        from crm.models import Lease

        lease = await s.get(Lease, task.lease_id)
        assert lease is not None
        world = World(name=name, marker=marker, agency=task.agency_id,
                      residence=lease.residence_id, tenant=task.tenant_id, lease=task.lease_id,
                      task=task.id, attempt=attempt.id, interview=interview.id,  # type: ignore[arg-type]
                      follow_up=follow_up.id, draft=draft.id, sent=sent.id,  # type: ignore[arg-type]
                      inbound=inbound.id, outbox=outbox.id, local_sms=local.id,  # type: ignore[arg-type]
                      reply_template=template.id)  # type: ignore[arg-type]
    world.incident, world.commitment, world.household = await _incident(db, world, mobile)
    # Survey answers and interviews of the year, for the comparison pages.
    await add_interviews(db, [{"cleanliness": 4}], at=AT - timedelta(days=100), agency=name)
    await add_survey_answers(db, "cleanliness", [4, 2], period="2026-Q3", agency=name)
    return world


async def _incident(db: Database, world: World, mobile: str) -> tuple[int, int, int]:
    """An open lift breakdown on the agency's residence, its households taken, a shopping
    delivery due, a contact logged and a reply threaded to its notice."""
    from datetime import date

    from crm.incidents.households import take_households
    from crm.incidents.models import (
        Commitment,
        Incident,
        IncidentCampaign,
        IncidentHousehold,
        IncidentReport,
    )

    async with db.session() as s:
        incident = Incident(agency_id=world.agency, kind="lift", title=f"Ascenseur {world.marker}",
                            description=f"Panne {world.marker}", scope={"residences": [world.residence]},
                            starts_at=AT - timedelta(days=6), created_at=AT, updated_at=AT,
                            referent_name=f"Référent {world.marker}", referent_phone="+33254901234")
        s.add(incident)
        await s.flush()
        await take_households(s, incident, date(2026, 11, 16))
        commitment = Commitment(incident_id=incident.id, agency_id=world.agency, kind="shopping_delivery",
                                working_days=3, due_on=date(2026, 11, 13), status="due", created_at=AT)
        s.add_all([commitment, IncidentCampaign(incident_id=incident.id, campaign_id=world.sent, purpose="notice"),
                   IncidentReport(incident_id=incident.id, tenant_id=world.tenant, channel="phone", at=AT,
                                  note=f"Appel {world.marker}")])
        await s.flush()
        household = await s.scalar(select(IncidentHousehold.id).where(IncidentHousehold.incident_id == incident.id))
        await s.commit()
        return incident.id, commitment.id, household  # type: ignore[return-value]


async def two_agencies(db: Database) -> tuple[World, World]:
    blois = await build_agency(db, "Blois", "BLOISMARK", "+33611111111")
    vendome = await build_agency(db, "Vendôme", "VENDOMARK", "+33622222222")
    return blois, vendome


def fill(path: str, ids: dict[str, Any]) -> str:
    """A route path with its ``{name:regex}`` parts replaced by ``ids[name]``."""
    import re

    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(ids[m.group(1)]), path)


async def snapshot(db: Database) -> dict[str, Any]:
    """What a refused request must leave untouched: row counts and every status."""
    from sqlalchemy import func, select

    from crm.models import AuditEvent, Tenant

    async with db.session() as s:
        out: dict[str, Any] = {}
        from crm.incidents.models import Commitment, HelpVisit, Incident, IncidentEvent, IncidentReport

        for model in (CallTask, CallAttempt, Interview, TenantRequest, RequestStep, Campaign,
                      OutboxMessage, InboundMessage, Tenant, Incident, IncidentEvent, IncidentReport,
                      Commitment, HelpVisit):
            out[model.__name__] = await s.scalar(select(func.count()).select_from(model))
        out["tasks"] = (await s.execute(select(CallTask.id, CallTask.status, CallTask.attempts,
                                               CallTask.claimed_by).order_by(CallTask.id))).all()
        out["requests"] = (await s.execute(
            select(TenantRequest.id, TenantRequest.status, TenantRequest.owner_id,
                   TenantRequest.description, TenantRequest.urgency).order_by(TenantRequest.id))).all()
        out["request_templates"] = await s.scalar(select(func.count()).select_from(RequestSmsTemplate))
        out["reply_templates"] = (await s.execute(select(ReplyTemplate.id, ReplyTemplate.agency_id,
                                                         ReplyTemplate.title, ReplyTemplate.body)
                                                  .order_by(ReplyTemplate.id))).all()
        out["inbound"] = (await s.execute(select(InboundMessage.id, InboundMessage.status)
                                          .order_by(InboundMessage.id))).all()
        out["campaigns"] = (await s.execute(select(Campaign.id, Campaign.status)
                                            .order_by(Campaign.id))).all()
        out["incidents"] = (await s.execute(select(Incident.id, Incident.status, Incident.expected_end_at)
                                            .order_by(Incident.id))).all()
        out["commitments"] = (await s.execute(select(Commitment.id, Commitment.status).order_by(Commitment.id))).all()
        out["tenants"] = (await s.execute(select(Tenant.id, Tenant.last_name, Tenant.anonymized_at)
                                          .order_by(Tenant.id))).all()
        out["audits"] = await s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.not_in(("login", "login_failed"))))
    return out
