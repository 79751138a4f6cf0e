"""Incidents and commitments as API.md gives them (the pages show the same dicts): counts,
downtime, commitments with their households, campaigns, replies, contacts, the timeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import Principal
from crm.campaigns.models import Campaign, OutboxMessage
from crm.errors import ApiError
from crm.inbox.models import InboundMessage
from crm.incidents.models import (
    Commitment,
    CommitmentStatus,
    Incident,
    IncidentCampaign,
    IncidentEvent,
    IncidentHousehold,
    IncidentReport,
    IncidentStatus,
)
from crm.incidents.rules import COMMITMENT_LABELS, concerns, downtime_hours, within_target
from crm.models import Agency, Lease, Tenant

REPORT_CHANNELS = {"phone": "Appel", "visit": "Visite à l'agence", "sms": "SMS"}
PURPOSES = {"notice": "Avis aux locataires", "reminder": "Rappel la veille", "update": "Point d'étape",
            "resolved": "Service rétabli", "commitment": "Engagement"}
STATUS_QUERY = {"open": (IncidentStatus.PLANNED, IncidentStatus.OPEN), "resolved": (IncidentStatus.RESOLVED,),
                "all": IncidentStatus.ALL}


def _name(civility: str | None, first: str | None, last: str | None) -> str:
    return " ".join(x for x in (civility, first, last) if x)


async def households_of(session: AsyncSession, incident_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The households of each incident: {lease_id, contract_ref, tenant_name, floor} and
    what the commitments and the help plan need."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not incident_ids:
        return out
    rows = await session.execute(
        select(IncidentHousehold, Lease.contract_ref, Tenant.civility, Tenant.first_name, Tenant.last_name)
        .join(Lease, Lease.id == IncidentHousehold.lease_id)
        .join(Tenant, Tenant.id == IncidentHousehold.tenant_id)
        .where(IncidentHousehold.incident_id.in_(list(incident_ids)))
        .order_by(Tenant.last_name, Lease.contract_ref))
    for h, ref, civility, first, last in rows.all():
        out[h.incident_id].append({
            "id": h.id, "lease_id": h.lease_id, "tenant_id": h.tenant_id, "contract_ref": ref,
            "tenant_name": _name(civility, first, last), "floor": h.floor,
            "upper_floor": h.upper_floor, "reduced_mobility": h.reduced_mobility,
            "call_task_id": h.call_task_id, "help_needs": h.help_needs, "help_slots": h.help_slots,
        })
    return out


def commitment_json(c: Commitment, incident_kind: str, households: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": c.id, "incident_id": c.incident_id, "kind": c.kind,
        "label": COMMITMENT_LABELS.get(c.kind, c.kind), "due_on": c.due_on, "status": c.status,
        "working_days": c.working_days, "rebate_percent": c.rebate_percent,
        "done_at": c.done_at, "note": c.note,
        "households": [{k: h[k] for k in ("lease_id", "contract_ref", "tenant_name", "floor")}
                       for h in households if concerns(c.kind, incident_kind, h["upper_floor"])],
    }


async def _by_incident(session: AsyncSession, model: Any, ids: Sequence[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    if ids:
        for row in await session.scalars(select(model).where(model.incident_id.in_(list(ids))).order_by(model.id)):
            out[row.incident_id].append(row)
    return out


async def incidents_json(session: AsyncSession, incidents: Sequence[Incident], now: datetime, *,
                         timeline: bool = True) -> list[dict[str, Any]]:
    """Several incidents at once (a handful of queries, whatever their number)."""
    ids = [i.id for i in incidents if i.id is not None]
    households = await households_of(session, ids)
    commitments = await _by_incident(session, Commitment, ids)
    links = await _by_incident(session, IncidentCampaign, ids)
    reports = await _by_incident(session, IncidentReport, ids)
    events = await _by_incident(session, IncidentEvent, ids) if timeline else {}
    agencies: dict[int, str] = dict((await session.execute(
        select(Agency.id, Agency.name).where(Agency.id.in_({i.agency_id for i in incidents})))).all()) \
        if incidents else {}
    campaign_ids = [link.campaign_id for rows in links.values() for link in rows]
    replies = await _replies(session, campaign_ids)
    out = []
    for incident in incidents:
        assert incident.id is not None
        hh = households[incident.id]
        mine = [link.campaign_id for link in links[incident.id]]
        my_replies = [r for cid in mine for r in replies.get(cid, [])]
        resolved_at = incident.resolved_at
        persists_after = {r["tenant_id"] or r["from"] for r in my_replies
                          if r["intent"] == "problem_persists" and resolved_at and r["received_at"] > resolved_at}
        item = {
            "id": incident.id, "kind": incident.kind, "planned": incident.planned, "status": incident.status,
            "title": incident.title, "description": incident.description, "scope": incident.scope,
            "agency": {"id": incident.agency_id, "name": agencies.get(incident.agency_id)},
            "starts_at": incident.starts_at, "expected_end_at": incident.expected_end_at,
            "resolved_at": resolved_at,
            "downtime_hours": _downtime(incident, now),
            "within_target": within_target(incident.kind, incident.planned, incident.starts_at, resolved_at),
            "households": len(hh), "households_reduced_mobility": sum(1 for h in hh if h["reduced_mobility"]),
            "referent": {"name": incident.referent_name, "phone": incident.referent_phone}
            if incident.referent_name else None,
            "short_notice_reason": incident.short_notice_reason,
            "commitments": [commitment_json(c, incident.kind, hh) for c in commitments[incident.id]],
            "campaigns": mine,
            "replies": {"total": len(my_replies),
                        "problem_persists": sum(1 for r in my_replies if r["intent"] == "problem_persists"),
                        "problem_persists_after_resolution": len(persists_after)},
            "reports": len(reports[incident.id]),
            "created_at": incident.created_at,
        }
        if timeline:
            item["timeline"] = await _timeline(session, incident, events[incident.id], links[incident.id],
                                               my_replies, reports[incident.id])
        out.append(item)
    return out


def _downtime(incident: Incident, now: datetime) -> float | None:
    """Hours without the service: final once resolved, running while open."""
    if incident.status == IncidentStatus.RESOLVED and incident.resolved_at is not None:
        return downtime_hours(incident.starts_at, incident.resolved_at)
    if incident.status == IncidentStatus.OPEN:
        return downtime_hours(incident.starts_at, now)
    return None


async def _replies(session: AsyncSession, campaign_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not campaign_ids:
        return out
    rows = await session.execute(
        select(InboundMessage, Tenant.civility, Tenant.first_name, Tenant.last_name)
        .outerjoin(Tenant, Tenant.id == InboundMessage.tenant_id)
        .where(InboundMessage.campaign_id.in_(campaign_ids)).order_by(InboundMessage.received_at))
    for m, civility, first, last in rows.all():
        out[m.campaign_id].append({
            "id": m.id, "tenant_id": m.tenant_id, "from": m.from_e164,
            "tenant_name": _name(civility, first, last) if last else None, "body": m.body,
            "received_at": m.received_at, "intent": m.intent, "sentiment": m.sentiment, "status": m.status})
    return out


async def _timeline(session: AsyncSession, incident: Incident, events: list[IncidentEvent],
                    links: list[IncidentCampaign], replies: list[dict[str, Any]],
                    reports: list[IncidentReport]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [
        {"at": e.at, "kind": e.kind, "title": e.message, "detail": None} for e in events]
    if links:
        sizes: dict[int, int] = dict((await session.execute(
            select(OutboxMessage.campaign_id, func.count())
            .where(OutboxMessage.campaign_id.in_([link.campaign_id for link in links]))
            .group_by(OutboxMessage.campaign_id))).all())
        campaigns = {c.id: c for c in await session.scalars(
            select(Campaign).where(Campaign.id.in_([link.campaign_id for link in links])))}
        for link in links:
            c = campaigns[link.campaign_id]
            n = sizes.get(c.id, 0)
            when = "programmé" if c.status == "scheduled" else "envoyé"
            entries.append({"at": c.send_at if c.status == "scheduled" and c.send_at else (c.launched_at or c.created_at),
                            "kind": "sms_sent", "campaign_id": c.id,
                            "title": f"SMS {when} : {PURPOSES.get(link.purpose, link.purpose)} ({n} SMS)",
                            "detail": c.body})
    for r in replies:
        who = r["tenant_name"] or r["from"]
        entries.append({"at": r["received_at"], "kind": "sms_received", "title": f"Réponse de {who}",
                        "detail": r["body"], "intent": r["intent"], "message_id": r["id"]})
    names = await _tenant_names(session, {r.tenant_id for r in reports if r.tenant_id})
    for rep in reports:
        who = names.get(rep.tenant_id or 0, "locataire non identifié")
        entries.append({"at": rep.at, "kind": "report",
                        "title": f"{REPORT_CHANNELS.get(rep.channel, rep.channel)} : {who}", "detail": rep.note})
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


async def _tenant_names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {t.id: t.display_name for t in await session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}  # type: ignore[misc]


async def list_incidents(session: AsyncSession, p: Principal, *, status: str, agency: int | None,
                         kind: str | None, page: int, per_page: int, now: datetime,
                         timeline: bool = True) -> tuple[list[dict[str, Any]], int]:
    """Open first (running downtime), then the latest."""
    if status not in STATUS_QUERY:
        raise ApiError("status doit valoir open, resolved ou all.", code="invalid_parameter")
    where = [Incident.status.in_(STATUS_QUERY[status]), *p.scope_filter(Incident.agency_id, agency)]
    if kind is not None:
        from crm.incidents.models import IncidentKind

        if kind not in IncidentKind.ALL:
            raise ApiError("kind inconnu.", code="invalid_parameter")
        where.append(Incident.kind == kind)
    total = await session.scalar(select(func.count()).select_from(Incident).where(*where))
    order = case((Incident.status == IncidentStatus.OPEN, 0), (Incident.status == IncidentStatus.PLANNED, 1),
                 else_=2)
    incidents = (await session.scalars(
        select(Incident).where(*where).order_by(order, Incident.starts_at.desc(), Incident.id.desc())
        .offset((page - 1) * per_page).limit(per_page))).all()
    return await incidents_json(session, incidents, now, timeline=timeline), int(total or 0)


COMMITMENT_STATUS_QUERY = {"due": (CommitmentStatus.DUE,), "done": (CommitmentStatus.DONE,),
                           "upcoming": (CommitmentStatus.UPCOMING,),
                           "cancelled": (CommitmentStatus.CANCELLED,), "all": CommitmentStatus.ALL}


async def list_commitments(session: AsyncSession, p: Principal, *, status: str, agency: int | None,
                           page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    if status not in COMMITMENT_STATUS_QUERY:
        raise ApiError("status doit valoir due, done ou all.", code="invalid_parameter")
    where = [Commitment.status.in_(COMMITMENT_STATUS_QUERY[status]), *p.scope_filter(Commitment.agency_id, agency)]
    total = await session.scalar(select(func.count()).select_from(Commitment).where(*where))
    rows = (await session.execute(
        select(Commitment, Incident.kind, Incident.title).join(Incident, Incident.id == Commitment.incident_id)
        .where(*where).order_by(Commitment.due_on, Commitment.id)
        .offset((page - 1) * per_page).limit(per_page))).all()
    households = await households_of(session, list({c.incident_id for c, _, _ in rows}))
    items = []
    for c, kind, title in rows:
        item = commitment_json(c, kind, households[c.incident_id])
        item["incident_title"] = title
        items.append(item)
    return items, int(total or 0)


async def due_count(session: AsyncSession, p: Principal) -> int:
    return int(await session.scalar(select(func.count()).select_from(Commitment).where(
        Commitment.status == CommitmentStatus.DUE, *p.scope_filter(Commitment.agency_id))) or 0)
