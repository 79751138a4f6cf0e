"""Demo campaigns: a lift outage, a water cut and a rent reminder, already sent, with
outbox rows in the statuses a real week leaves (mostly delivered, a few failures)."""

from __future__ import annotations

import random
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from crm import calendar
from crm.campaigns.audience import Audience, AudienceScan
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.campaigns.outbox import write_outbox_rows
from crm.campaigns.presets import BY_CODE
from crm.campaigns.templating import MessageTemplate
from crm.clock import Clock
from crm.db import Database
from crm.models import Agency, Building, Residence, Role, User
from crm.sms.encoding import analyse
from crm.sms.twilio_errors import reason_for

PARIS = ZoneInfo("Europe/Paris")

# (weight, status, error code) of a finished campaign's messages.
OUTCOMES = ((88, OutboxStatus.DELIVERED, None), (5, OutboxStatus.SENT, None),
            (3, OutboxStatus.UNDELIVERED, 30005), (2, OutboxStatus.UNDELIVERED, 30003),
            (2, OutboxStatus.FAILED, 21614))


async def fill(db: Database, clock: Clock, rng: random.Random) -> None:
    now = clock.now()
    async with db.session() as session:
        agency = (await session.scalars(select(Agency).order_by(Agency.id))).first()
        if agency is None:
            return
        manager = await session.scalar(select(User.id).where(
            User.agency_id == agency.id, User.role == Role.MANAGER).order_by(User.id).limit(1))
        residences = (await session.scalars(
            select(Residence).where(Residence.agency_id == agency.id).order_by(Residence.id))).all()
        if len(residences) < 2:
            return
        building = await session.scalar(select(Building).where(
            Building.residence_id == residences[0].id).order_by(Building.id).limit(1))
        plans = [
            ("lift_outage", f"Ascenseur en panne — immeuble {building.name if building else ''} "
             f"({residences[0].name})", {"buildings": [building.id]} if building else
             {"residences": [residences[0].id]}, {}, timedelta(days=3)),
            ("water_cut", f"Coupure d'eau — {residences[1].name}", {"residences": [residences[1].id]},
             {"date": (now + timedelta(days=2)).strftime("%d/%m"), "start_time": "9h",
              "end_time": "12h"}, timedelta(days=9)),
            ("rent_reminder", "Rappel de loyer", {"residences": [r.id for r in residences[2:5]]},
             {"month": "octobre"}, timedelta(days=20)),
        ]
        for code, name, audience, variables, ago in plans:
            preset = BY_CODE[code]
            # Sent at 09:30 local time that day, so replies come in during the day.
            launched = calendar.at_local(calendar.local_today(now - ago, PARIS), time(9, 30), PARIS)
            campaign = Campaign(
                name=name, category=preset.category, urgent=preset.category == "outage",
                body=preset.body, variables=variables, audience=audience, agency_id=agency.id,
                preset=code, lift=preset.lift, status=CampaignStatus.DONE, created_by=manager,
                created_at=launched - timedelta(minutes=3), launched_at=launched,
                launched_by=manager,
            )
            session.add(campaign)
            await session.flush()
            template = MessageTemplate(campaign.body, variables)
            scan = AudienceScan(Audience(**audience), agency.id, launched.date())
            async for batch in scan.chunks(session):
                rows = []
                for r in batch:
                    text = template.render(r.context)
                    rows.append({"tenant_id": r.tenant_id, "e164": r.e164, "body": text,
                                 "segments": analyse(text).segments, "next_try_at": launched})
                await write_outbox_rows(session, campaign, rows, now=launched)
            ids = (await session.scalars(
                select(OutboxMessage.id).where(OutboxMessage.campaign_id == campaign.id)
                .order_by(OutboxMessage.id))).all()
            weights = [w for w, _, _ in OUTCOMES]
            for row_id in ids:
                _, status, error = rng.choices(OUTCOMES, weights)[0]
                sent = launched + timedelta(seconds=rng.randint(1, 120))
                await session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == row_id).values(
                        status=status, attempts=1, provider_sid=f"SM{rng.getrandbits(128):032x}",
                        sent_at=sent, updated_at=sent, error_code=error,
                        error_reason=reason_for(error) if error else None,
                        delivered_at=sent + timedelta(seconds=5)
                        if status == OutboxStatus.DELIVERED else None,
                    ).execution_options(synchronize_session=False))
        await session.commit()
