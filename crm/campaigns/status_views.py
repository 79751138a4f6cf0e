"""Twilio's delivery status callbacks: ``POST /webhooks/twilio/status``.

Idempotent and forward-only: Twilio may send callbacks late, twice or out of order, and a
late "sent" must not undo "delivered". Unknown sids get 200 as well, or Twilio retries them
for hours (e.g. messages of a purged campaign).
"""

from __future__ import annotations

from aiohttp import web

from crm import auth
from crm.campaigns.delivery import apply_delivery_status
from crm.campaigns.models import OutboxStatus
from crm.keys import CLOCK, DB
from crm.sms.signature import verified_form

# Twilio's MessageStatus → ours. Twilio's own "queued/sending/sent" all mean the provider has it.
TWILIO_STATUS = {
    "accepted": OutboxStatus.SENT,
    "queued": OutboxStatus.SENT,
    "sending": OutboxStatus.SENT,
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "undelivered": OutboxStatus.UNDELIVERED,
    "failed": OutboxStatus.FAILED,
}


@auth.public
async def twilio_status(request: web.Request) -> web.Response:
    """Delivery status callback from Twilio (signed)."""
    params = await verified_form(request)
    sid = params.get("MessageSid") or params.get("SmsSid")
    new = TWILIO_STATUS.get((params.get("MessageStatus") or params.get("SmsStatus") or "").lower())
    if not sid or new is None:
        return web.Response(status=200)
    async with request.app[DB].session() as session:
        await apply_delivery_status(session, sid, new, now=request.app[CLOCK].now(),
                                    error_code=_int(params.get("ErrorCode")))
        await session.commit()
    return web.Response(status=200)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


API_ROUTES = [("POST", "/webhooks/twilio/status", twilio_status, "twilio_status")]
