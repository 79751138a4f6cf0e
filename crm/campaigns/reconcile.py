"""Reconciliation: ask the provider about the messages whose fate we do not know.

- ``unknown`` (the request left and no answer came, or the process died mid-call): fetched
  by sid when one was recorded, else looked for in the provider's list of messages to that
  number (filtered by To and DateSent) with the same text, sent after the claim and not
  already another row's. Found → its real status and sid. Not found once the provider's
  listing delay (``CRM_PROVIDER_LISTING_DELAY_SECONDS``) has passed → surely absent: sent
  again, once (a second uncertain send is not resent: failed, with the reason).
- ``sent`` for longer than ``CRM_STATUS_REFRESH_AFTER_MINUTES``: its delivery report was
  lost (e.g. refused during a database outage, and Twilio does not resend): fetched, and
  moved forward when the provider knows more.

Also applies delivery reports kept for sids recorded since, and closes finished campaigns.
A periodic job (singleton): ``reconcile(app) -> int`` returns the messages settled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm.calendar import next_sms_sending_time
from crm.campaigns import outbox
from crm.campaigns.delivery import (
    PROVIDER_STATUS,
    apply_delivery_status,
    apply_early_reports,
    forget_old_early_reports,
)
from crm.campaigns.dispatcher import DISPATCHER
from crm.campaigns.models import Campaign, OutboxMessage, OutboxStatus
from crm.keys import CLOCK, DB, SETTINGS
from crm.sms.transport import ProviderMessage, SmsTransport
from crm.sms.twilio_errors import reason_for

log = logging.getLogger(__name__)

BATCH = 200  # provider look-ups per run and kind, at most
# A message found at the provider may have been created a little before our claim was
# written (clocks differ); one created earlier than this is another message.
CLAIM_MARGIN = timedelta(minutes=5)

RESENT_REASON = "Absent chez Twilio après vérification : renvoyé une fois."
ABSENT_TWICE_REASON = ("Absent chez Twilio après un second envoi incertain : "
                       "non renvoyé, à vérifier.")


def _transport(app: web.Application) -> SmsTransport:
    return app[DISPATCHER].transport  # the transport the outbox sends with


async def reconcile(app: web.Application) -> int:
    now = app[CLOCK].now()
    settled = await _resolve_unknown(app, now) + await _refresh_stale(app, now)
    async with app[DB].session() as session:
        settled += await apply_early_reports(session)  # sids recorded since their report came
        await forget_old_early_reports(session, now)
        await outbox.complete_campaigns(session)
        await session.commit()
    return settled


async def _resolve_unknown(app: web.Application, now: datetime) -> int:
    listing_delay = timedelta(seconds=app[SETTINGS].provider_listing_delay_seconds)
    async with app[DB].session() as session:
        rows = (await session.execute(
            select(OutboxMessage.id, OutboxMessage.e164, OutboxMessage.body, OutboxMessage.provider_sid,
                   OutboxMessage.next_try_at, OutboxMessage.created_at, OutboxMessage.updated_at,
                   OutboxMessage.resent, Campaign.urgent)
            .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
            .where(OutboxMessage.status == OutboxStatus.UNKNOWN)
            .order_by(OutboxMessage.updated_at).limit(BATCH))).all()
    settled = 0
    for row in rows:
        try:
            found = await _look_up(app, row)
        except Exception as exc:  # noqa: BLE001 - the provider is unreachable: next run
            log.warning("reconciliation: provider look-up failed (%s); trying again later", exc)
            break
        if found is not None:
            settled += await _record_found(app, row, found, now)
        elif now - (row.updated_at or now) >= listing_delay:
            settled += await _resend_or_give_up(app, row, now)
    return settled


async def _look_up(app: web.Application, row: Any) -> ProviderMessage | None:
    transport = _transport(app)
    if row.provider_sid:
        return await transport.fetch(row.provider_sid)
    claimed_after = (row.next_try_at or row.created_at) - CLAIM_MARGIN
    candidates = [m for m in await transport.find(row.e164, sent_since=claimed_after)
                  if m.body == row.body and (m.created_at is None or m.created_at >= claimed_after)]
    if not candidates:
        return None
    async with app[DB].session() as session:
        taken = set((await session.scalars(select(OutboxMessage.provider_sid).where(
            OutboxMessage.provider_sid.in_([m.sid for m in candidates])))).all())
    free = [m for m in candidates if m.sid not in taken]
    # Several equal texts to one number after the claim: the earliest is ours.
    return min(free, key=lambda m: m.created_at.timestamp() if m.created_at else float("inf")) \
        if free else None


async def _record_found(app: web.Application, row: Any, found: ProviderMessage, now: datetime) -> int:
    status = PROVIDER_STATUS.get(found.status.lower(), OutboxStatus.SENT)
    values: dict[str, Any] = {
        "status": status, "provider_sid": found.sid, "reconciled_at": now, "updated_at": now,
        "sent_at": found.created_at or now, "error_code": None, "error_reason": None,
    }
    if status == OutboxStatus.DELIVERED:
        values["delivered_at"] = now
    elif status in (OutboxStatus.UNDELIVERED, OutboxStatus.FAILED):
        values["error_code"] = found.error_code
        values["error_reason"] = (reason_for(found.error_code) or "Message non remis.")[:255]
    try:
        async with app[DB].session() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.UNKNOWN)
                .values(**values).execution_options(synchronize_session=False))
            await apply_early_reports(session, [found.sid])
            await session.commit()
    except IntegrityError:  # the sid was recorded on another row meanwhile
        return 0
    return max(result.rowcount or 0, 0)


async def _resend_or_give_up(app: web.Application, row: Any, now: datetime) -> int:
    if row.resent:
        values: dict[str, Any] = {"status": OutboxStatus.FAILED, "error_reason": ABSENT_TWICE_REASON}
    else:
        next_try = now if row.urgent else next_sms_sending_time(now, app[SETTINGS].tz)
        values = {"status": OutboxStatus.PENDING, "next_try_at": next_try, "resent": True,
                  "error_reason": RESENT_REASON}
    async with app[DB].session() as session:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.UNKNOWN)
            .values(reconciled_at=now, updated_at=now, **values)
            .execution_options(synchronize_session=False))
        await session.commit()
    if not row.resent:
        log.info("sms %s: absent at the provider, sent again once", row.id)
        app[DISPATCHER].wake()
    return max(result.rowcount or 0, 0)


async def _refresh_stale(app: web.Application, now: datetime) -> int:
    """Messages still ``sent`` long after being handed over: their report was lost."""
    before = now - timedelta(minutes=app[SETTINGS].status_refresh_after_minutes)
    async with app[DB].session() as session:
        rows = (await session.execute(
            select(OutboxMessage.id, OutboxMessage.provider_sid)
            .where(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.provider_sid.is_not(None),
                   OutboxMessage.updated_at < before)
            .order_by(OutboxMessage.updated_at).limit(BATCH))).all()
    settled = 0
    for row in rows:
        try:
            found = await _transport(app).fetch(row.provider_sid)
        except Exception as exc:  # noqa: BLE001 - the provider is unreachable: next run
            log.warning("reconciliation: provider look-up failed (%s); trying again later", exc)
            break
        status = PROVIDER_STATUS.get(found.status.lower()) if found else None
        async with app[DB].session() as session:
            moved = status is not None and await apply_delivery_status(
                session, row.provider_sid, status, now=now, error_code=found.error_code if found else None)
            # Moved or not, ask again only after another interval.
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                updated_at=now, **({"reconciled_at": now} if moved else {}))
                .execution_options(synchronize_session=False))
            await session.commit()
        settled += bool(moved)
    return settled
