"""Demo incidents in the first agency: an open lift breakdown past 3 working days (shopping
delivery due), a resolved water cut with replies (one says it is still off), a lift
modernisation announced 10 days ahead with reduced-mobility households, and a heating
outage past 8 working days whose rent rebates are in the export."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crm import calendar
from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.campaigns.outbox import write_outbox_rows
from crm.campaigns.templating import MessageTemplate
from crm.clock import Clock
from crm.db import Database
from crm.inbox.inbound import HANDLED_INTENTS
from crm.inbox.models import InboundMessage, InboundStatus
from crm.inbox.understanding import understand
from crm.incidents import messages
from crm.incidents.commitments import run_commitments, settle_resolved
from crm.incidents.households import ensure_pmr_tasks, take_households
from crm.incidents.models import (
    Incident,
    IncidentCampaign,
    IncidentEvent,
    IncidentHousehold,
    IncidentReport,
    IncidentStatus,
)
from crm.models import Agency, Building, Lease, Residence, Role, Tenant, User
from crm.sms.encoding import analyse

PARIS = ZoneInfo("Europe/Paris")


def _working_days_back(day: datetime, count: int) -> datetime:
    """The local morning ``count`` working days before ``day``."""
    current = day.astimezone(PARIS).date()
    while count:
        current -= timedelta(days=1)
        if calendar.is_working_day(current):
            count -= 1
    return calendar.at_local(current, time(8, 30), PARIS)


async def _buildings(session, agency_id: int) -> list[Building]:
    """Buildings of the agency, the most populated first (a demo incident needs households)."""
    counts = (await session.execute(
        select(Lease.building_id, func.count()).where(Lease.agency_id == agency_id, Lease.lease_end.is_(None))
        .group_by(Lease.building_id).order_by(func.count().desc(), Lease.building_id))).all()
    ids = [b for b, _ in counts if b is not None]
    found = {b.id: b for b in await session.scalars(select(Building).where(Building.id.in_(ids)))}
    return [found[i] for i in ids]


async def _with_reduced_mobility(session, buildings: list[Building], used: set[int]) -> Building:
    for b in buildings:
        if b.id in used:
            continue
        n = await session.scalar(select(func.count()).select_from(Lease).join(Tenant, Tenant.id == Lease.tenant_id)
                                 .where(Lease.building_id == b.id, Tenant.reduced_mobility.is_(True)))
        if n:
            return b
    return next(b for b in buildings if b.id not in used)


async def _sent_campaign(session, incident: Incident, agency: Agency, purpose: str, preset: str,
                         at: datetime, manager: int | None, rng: random.Random) -> Campaign:
    """A campaign already sent to the incident's households, linked to it."""
    tenant_ids = sorted(set(await session.scalars(
        select(IncidentHousehold.tenant_id).where(IncidentHousehold.incident_id == incident.id))))
    variables = messages.variables(incident, agency.name, agency.phone, PARIS)
    campaign = Campaign(
        name=f"Incident n°{incident.id} — {purpose} — {incident.title}"[:200],
        category="works" if incident.planned else "outage", urgent=not incident.planned,
        body=messages.preset_body(preset), variables=variables, audience={"tenant_ids": tenant_ids},
        agency_id=agency.id, lift=incident.kind == "lift", status=CampaignStatus.DONE,
        created_by=manager, created_at=at - timedelta(minutes=2), launched_at=at, launched_by=manager)
    session.add(campaign)
    await session.flush()
    session.add(IncidentCampaign(incident_id=incident.id, campaign_id=campaign.id, purpose=purpose))
    template = MessageTemplate(campaign.body, variables)
    scan = AudienceScan(Audience(tenant_ids=tenant_ids), agency.id, at.astimezone(PARIS).date())
    async for batch in scan.chunks(session):
        rows = [{"tenant_id": r.tenant_id, "e164": r.e164, "body": (text := template.render(r.context)),
                 "segments": analyse(text).segments, "next_try_at": at} for r in batch]
        if rows:
            await write_outbox_rows(session, campaign, rows, now=at)
    for row in await session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id)):
        row.status, row.attempts, row.sent_at = OutboxStatus.DELIVERED, 1, at + timedelta(seconds=rng.randint(1, 90))
        row.delivered_at = row.updated_at = row.sent_at + timedelta(seconds=4)
        row.provider_sid = f"SM{rng.getrandbits(128):032x}"
    await session.flush()
    return campaign


async def _replies(session, campaign: Campaign, bodies: list[tuple[str, timedelta]], now: datetime,
                   rng: random.Random) -> None:
    rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.campaign_id == campaign.id)
                                      .order_by(OutboxMessage.id)))
    for (body, after), row in zip(bodies, rng.sample(rows, min(len(rows), len(bodies))), strict=False):
        at = min(campaign.launched_at + after, now)
        meaning = understand(body)
        handled = meaning.intent in HANDLED_INTENTS
        session.add(InboundMessage(
            provider_sid=f"SM{rng.getrandbits(128):032x}", from_e164=row.e164, body=body, received_at=at,
            tenant_id=row.tenant_id, agency_id=campaign.agency_id, outbox_message_id=row.id,
            campaign_id=campaign.id, intent=meaning.intent, sentiment=meaning.sentiment,
            sentiment_score=meaning.score, status=InboundStatus.HANDLED if handled else InboundStatus.OPEN,
            handled_at=at if handled else None))


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    async with db.session() as session:
        session.info["tz"] = PARIS
        agency = (await session.scalars(select(Agency).order_by(Agency.id))).first()
        if agency is None:
            return
        manager = await session.scalar(select(User.id).where(User.agency_id == agency.id,
                                                              User.role == Role.MANAGER).limit(1))
        buildings = await _buildings(session, agency.id)
        if len(buildings) < 4:
            return
        residence = {r.id: r.name for r in await session.scalars(
            select(Residence).where(Residence.agency_id == agency.id))}
        used: set[int] = set()

        async def declare(kind: str, building: Building, starts_at: datetime, *, planned: bool = False,
                          expected_end_at: datetime | None = None, referent: tuple[str, str] | None = None,
                          title: str) -> Incident:
            used.add(building.id)
            incident = Incident(
                agency_id=agency.id, kind=kind, planned=planned,
                status=IncidentStatus.PLANNED if starts_at > now else IncidentStatus.OPEN,
                title=f"{title} — {residence[building.residence_id]}, bâtiment {building.name}",
                scope={"buildings": [building.id]}, starts_at=starts_at, expected_end_at=expected_end_at,
                referent_name=referent[0] if referent else None, referent_phone=referent[1] if referent else None,
                households_taken_at=min(now, starts_at), created_by=manager,
                created_at=min(now, starts_at), updated_at=now)
            session.add(incident)
            await session.flush()
            await take_households(session, incident, calendar.local_today(min(now, starts_at), PARIS))
            session.add(IncidentEvent(incident_id=incident.id, at=min(now, starts_at), kind="declared",
                                      message="Arrêt programmé annoncé." if planned else "Panne déclarée.",
                                      user_id=manager))
            return incident

        # 1. Lift down for 4 working days: shopping delivery due, tenants still complaining.
        lift_start = _working_days_back(now, 4).replace(minute=40)
        lift = await declare("lift", buildings[0], lift_start, title="Ascenseur en panne")
        notice = await _sent_campaign(session, lift, agency, "notice", "incident_lift",
                                      lift_start + timedelta(minutes=35), manager, rng)
        await _replies(session, notice, [("Merci de nous avoir prévenus", timedelta(minutes=20)),
                                         ("Toujours en panne ce matin, ma mère ne peut pas descendre", timedelta(days=2)),
                                         ("L'ascenseur est encore en panne", timedelta(days=3))], now, rng)
        session.add(IncidentEvent(incident_id=lift.id, at=lift_start + timedelta(days=1, hours=2),
                                  kind="update", message="Pièce commandée chez l'ascensoriste, livraison attendue.",
                                  user_id=manager))
        session.add(IncidentReport(incident_id=lift.id, channel="phone", at=lift_start + timedelta(days=2),
                                   note="Demande quand l'ascenseur sera réparé.", user_id=manager))

        # 2. Water cut of four hours nine days ago, resolved; one tenant says it is still off.
        water_start = calendar.at_local((now - timedelta(days=9)).astimezone(PARIS).date(), time(9, 0), PARIS)
        water = await declare("water", buildings[1], water_start, title="Coupure d'eau",
                              expected_end_at=water_start + timedelta(hours=4))
        notice = await _sent_campaign(session, water, agency, "notice", "incident_outage",
                                      water_start + timedelta(minutes=15), manager, rng)
        await _replies(session, notice, [("Merci pour l'information", timedelta(minutes=10)),
                                         ("A quelle heure revient l'eau ?", timedelta(hours=1)),
                                         ("ok merci", timedelta(hours=2))], now, rng)
        water.status, water.resolved_at = IncidentStatus.RESOLVED, water_start + timedelta(hours=4, minutes=20)
        session.add(IncidentEvent(incident_id=water.id, at=water.resolved_at, kind="resolved",
                                  message="Service rétabli (interruption de 4,3 h).", user_id=manager))
        back = await _sent_campaign(session, water, agency, "resolved", "incident_resolved",
                                    water.resolved_at + timedelta(minutes=5), manager, rng)
        await _replies(session, back, [("L'eau est revenue merci", timedelta(minutes=30)),
                                       ("Toujours pas d'eau au 3e étage !!", timedelta(minutes=45))], now, rng)

        # 3. Lift modernisation announced 10 days ahead; reduced-mobility households called first.
        works_start = calendar.at_local((now + timedelta(days=10)).astimezone(PARIS).date(), time(8, 0), PARIS)
        building = await _with_reduced_mobility(session, buildings, used)
        works = await declare("lift", building, works_start, planned=True,
                              expected_end_at=works_start + timedelta(days=21),
                              referent=("Karim Benali", "+33254901234"), title="Modernisation de l'ascenseur")
        await _sent_campaign(session, works, agency, "notice", "incident_planned", now - timedelta(hours=1),
                             manager, rng)
        await ensure_pmr_tasks(session, works, now=now, tz=PARIS)

        # 4. Collective heating down for 11 working days: heaters lent, rebates due.
        heat_start = _working_days_back(now, 11)
        heating = await declare("heating", buildings[2] if buildings[2].id not in used else buildings[3],
                                heat_start, title="Chauffage collectif en panne")
        await _sent_campaign(session, heating, agency, "notice", "incident_outage", heat_start + timedelta(hours=1),
                             manager, rng)
        for days in (1, 2, 6):
            session.add(IncidentReport(incident_id=heating.id, channel="phone" if days != 2 else "visit",
                                       at=heat_start + timedelta(days=days, hours=2), user_id=manager))
        await session.flush()
        await run_commitments(session, now=now, tz=PARIS)
        await settle_resolved(session, water, PARIS)
        await session.commit()
