"""Helpers for the outbox tests: a campaign with its outbox rows, read-backs, and an app
whose SMS transport is the real Twilio SDK pointed at the stand-in."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm.app import create_app
from crm.campaigns.models import Campaign, CampaignStatus, Category, OutboxMessage
from crm.campaigns.outbox import write_outbox_rows
from crm.clock import Clock
from crm.config import Settings, load_settings
from crm.db import Database
from crm.sms.twilio import TwilioTransport
from tests.support.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, FROM


def numbers(n: int, start: int = 0) -> list[str]:
    return [f"+336{10000000 + start + i:08d}" for i in range(n)]


async def make_campaign(
    db: Database, now: datetime, phones: Iterable[str], *, category: str = Category.INFORMATION,
    urgent: bool = False, status: str = CampaignStatus.SENDING, next_try_at: datetime | None = None,
    body: str = "Bonjour, information de votre bailleur.", kind: str = "campaign",
) -> Campaign:
    async with db.session() as session:
        campaign = Campaign(name="Essai", kind=kind, category=category, urgent=urgent, body=body,
                            status=status, created_at=now, launched_at=now, send_at=next_try_at)
        session.add(campaign)
        await session.flush()
        await write_outbox_rows(session, campaign, ({"e164": p, "body": body, "segments": 1}
                                                    for p in phones),
                                now=now, next_try_at=next_try_at or now)
        await session.commit()
        return campaign


async def rows(db: Database, campaign_id: int | None = None) -> list[OutboxMessage]:
    async with db.session() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if campaign_id is not None:
            stmt = stmt.where(OutboxMessage.campaign_id == campaign_id)
        return list((await session.scalars(stmt)).all())


async def campaign_status(db: Database, campaign_id: int) -> str:
    async with db.session() as session:
        return (await session.get(Campaign, campaign_id)).status  # type: ignore[union-attr]


def twilio_settings(settings: Settings, url: str, **extra: Any) -> Settings:
    values = settings.model_dump()
    values.update(sms_backend="twilio", twilio_account_sid=ACCOUNT_SID,
                  twilio_auth_token=AUTH_TOKEN, twilio_from=FROM, twilio_api_base_url=url)
    values.update(extra)
    return load_settings(**values)


def twilio_app(settings: Settings, db: Database, clock: Clock, url: str, *,
               timeout: float = 5.0, **extra: Any):  # type: ignore[no-untyped-def]
    s = twilio_settings(settings, url, **extra)
    return create_app(s, sms=TwilioTransport(s, timeout=timeout), clock=clock, db=db)
