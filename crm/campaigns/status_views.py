"""Twilio's delivery status callbacks: ``POST /webhooks/twilio/status``.

Idempotent and forward-only: Twilio may send callbacks late, twice or out of order, and a
late "sent" must not undo "delivered". Unknown sids get 200 as well, or Twilio retries them
for hours (e.g. messages of a purged campaign).
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from crm import auth
from crm.campaigns.models import OutboxMessage, OutboxStatus
from crm.sms.signature import verified_form
from crm.sms.twilio_errors import reason_for
from crm.web.keys import CLOCK, DB

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
    now = request.app[CLOCK].now()
    async with request.app[DB].session() as session:
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.provider_sid == sid).with_for_update())
        if message is None:
            return web.Response(status=200)
        if OutboxStatus.RANK[new] <= OutboxStatus.RANK.get(message.status, 0) \
                or message.status == OutboxStatus.CANCELLED:
            return web.Response(status=200)  # a replay or a late, older status
        message.status = new
        message.updated_at = now
        if new == OutboxStatus.DELIVERED:
            message.delivered_at = now
            message.error_code = None
            message.error_reason = None
        elif new in (OutboxStatus.UNDELIVERED, OutboxStatus.FAILED):
            code = _int(params.get("ErrorCode"))
            message.error_code = code
            message.error_reason = (reason_for(code) or (
                f"Message non remis (erreur {code})." if code else "Message non remis."))[:255]
        if message.sent_at is None:
            message.sent_at = now
        await session.commit()
    return web.Response(status=200)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


API_ROUTES = [("POST", "/webhooks/twilio/status", twilio_status, "twilio_status")]
