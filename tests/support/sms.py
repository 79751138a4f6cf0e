"""Helpers for incoming-SMS tests: settings holding a Twilio auth token, webhook requests
signed with the SDK's RequestValidator exactly as Twilio signs them, and outbox rows that
stand for SMS already sent (so that replies have something to thread onto)."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus
from crm.config import Settings, load_settings
from crm.db import Database
from crm.inbox.models import InboundMessage

AUTH_TOKEN = "12345678901234567890123456789012"
ACCOUNT_SID = "AC" + "a1" * 16
PUBLIC_URL = "https://crm.bailleur.example"
SERVICE_NUMBER = "+33644600000"
_n = itertools.count(1)


def sms_settings(database_url: str, public_url: str = PUBLIC_URL) -> Settings:
    return load_settings(
        database_url=database_url, sms_backend="local", scheduler_enabled=False,
        public_url=public_url, twilio_account_sid=None, twilio_auth_token=AUTH_TOKEN,
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The suite's settings with a Twilio auth token and a public https URL (behind a proxy)."""
    return sms_settings(database_url)


@pytest.fixture
def http_settings(database_url: str) -> Settings:
    """The same over plain http, for tests that also log in through the pages (the session
    cookie is ``Secure`` when the public URL is https, and the test client speaks http)."""
    return sms_settings(database_url, "http://testserver.local")


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def twilio_params(body: str, sender: str = "+33612345678", *, sid: str | None = None,
                  to: str = SERVICE_NUMBER) -> dict[str, str]:
    """Every parameter Twilio posts for an incoming SMS, with French values."""
    sid = sid or new_sid()
    return {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
        "Body": body, "FromCountry": "FR", "To": to,
        "MessagingServiceSid": "MG" + "b2" * 16, "ToZip": "",
        "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
        "ApiVersion": "2010-04-01",
    }


def sign(params: dict[str, str], url: str = PUBLIC_URL + "/webhooks/twilio/sms",
         token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


async def post_sms(client: Any, body: str, sender: str = "+33612345678", *,
                   sid: str | None = None, params: dict[str, str] | None = None,
                   signature: str | None = None, headers: dict[str, str] | None = None) -> Any:
    """POST an incoming SMS to the webhook, signed as Twilio does (unless told otherwise)."""
    params = params if params is not None else twilio_params(body, sender, sid=sid)
    from crm.keys import SETTINGS

    url = client.app[SETTINGS].public_url + "/webhooks/twilio/sms"
    sig = signature if signature is not None else sign(params, url=url)
    all_headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": sig, **(headers or {})}
    return await client.post("/webhooks/twilio/sms", data=urlencode(params), headers=all_headers)


async def make_sent_campaign(db: Database, *, name: str = "Coupure d'eau bâtiment B",
                             category: str = "outage", agency_id: int | None = None,
                             recipients: list[tuple[int | None, str]] = (),  # type: ignore[assignment]
                             sent_at: datetime, body: str = "Coupure d'eau ce jour au bâtiment B.") -> Campaign:
    """A launched campaign whose outbox rows already went out at ``sent_at``."""
    async with db.session() as session:
        campaign = Campaign(name=name, category=category, urgent=category == "outage", body=body,
                            agency_id=agency_id, status=CampaignStatus.DONE,
                            created_at=sent_at - timedelta(minutes=5), launched_at=sent_at)
        session.add(campaign)
        await session.flush()
        for tenant_id, e164 in recipients:
            session.add(OutboxMessage(
                campaign_id=campaign.id, tenant_id=tenant_id, e164=e164, body=body,
                status=OutboxStatus.DELIVERED, attempts=1, provider_sid=new_sid(),
                created_at=sent_at, sent_at=sent_at, delivered_at=sent_at))
        await session.commit()
        return campaign


async def inbound(db: Database) -> list[InboundMessage]:
    async with db.session() as session:
        return list(await session.scalars(select(InboundMessage).order_by(InboundMessage.id)))


async def tenant_texts(live_server: Any, body: str, sender: str = "+33612345678") -> None:
    """A tenant's SMS reaching a live server through the real webhook, signed as Twilio
    signs it (browser tests: the page then shows what the service made of it)."""
    import aiohttp

    from crm.keys import SETTINGS

    params = twilio_params(body, sender)
    signature = sign(params, url=live_server.app[SETTINGS].public_url + "/webhooks/twilio/sms")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{live_server.url}/webhooks/twilio/sms", data=urlencode(params),
                             headers={"Content-Type": "application/x-www-form-urlencoded",
                                      "X-Twilio-Signature": signature}) as resp:
            assert resp.status == 200, await resp.text()
