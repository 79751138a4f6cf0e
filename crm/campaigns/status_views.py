"""Twilio's delivery status callbacks: ``POST /webhooks/twilio/status``.

Idempotent and forward-only: Twilio may send callbacks late, twice or out of order, and a
late "sent" must not undo "delivered". Unknown sids get 200 as well, or Twilio retries them
for hours (e.g. messages of a purged campaign); their report is kept for a while in case
the outbox is about to record that sid.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from crm import auth
from crm.campaigns.delivery import PROVIDER_STATUS, record_report
from crm.keys import CLOCK, DB
from crm.sms.signature import verified_form


@auth.public
async def twilio_status(request: web.Request) -> web.Response:
    """Delivery status callback from Twilio (signed)."""
    params = await verified_form(request)
    sid = params.get("MessageSid") or params.get("SmsSid")
    new = PROVIDER_STATUS.get((params.get("MessageStatus") or params.get("SmsStatus") or "").lower())
    if not sid or new is None:
        return web.Response(status=200)
    now, error_code = request.app[CLOCK].now(), _int(params.get("ErrorCode"))

    async def record(session: AsyncSession) -> None:
        await record_report(session, sid, new, now=now, error_code=error_code)  # forward-only: safe twice
        await session.commit()

    await request.app[DB].short_write(record)
    return web.Response(status=200)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


API_ROUTES = [("POST", "/webhooks/twilio/status", twilio_status, "twilio_status")]
