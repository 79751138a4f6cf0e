"""Twilio's delivery status callbacks, signed exactly as Twilio signs them: forward only,
idempotent, 200 for unknown sids, 403 without a valid signature."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from crm.app import create_app
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxStatus
from tests.support.outbox import make_campaign, numbers, rows, twilio_settings
from tests.support.twilio_standin import AUTH_TOKEN

PATH = "/webhooks/twilio/status"
URL = "http://testserver.local" + PATH


@pytest.fixture
def app(settings, db, clock):  # type: ignore[no-untyped-def]
    # Twilio credentials (for the signature) but the local transport for sending.
    s = twilio_settings(settings, "http://127.0.0.1:9")
    from crm.sms.local import LocalTransport

    return create_app(s, sms=LocalTransport(db, clock), clock=clock, db=db)


def _signed(params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(URL, params)}


async def _post(client: Any, params: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return await client.post(PATH, data=params, headers=_signed(params) if headers is None else headers)


async def _sent_message(app, db, clock):  # type: ignore[no-untyped-def]
    campaign = await make_campaign(db, clock.now(), numbers(1))
    await dispatch_once(app)
    [row] = await rows(db, campaign.id)
    assert row.status == OutboxStatus.SENT and row.provider_sid
    return row


def _params(sid: str, status: str, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": "AC" + "0" * 31 + "1", "To": "+33610000000", "ApiVersion": "2010-04-01",
            **extra}


async def test_delivered_is_recorded_with_its_time(app, client, db, clock) -> None:
    row = await _sent_message(app, db, clock)
    clock.advance(seconds=5)
    resp = await _post(client, _params(row.provider_sid, "delivered"))
    assert resp.status == 200 and await resp.text() == ""
    [row] = await rows(db)
    assert row.status == OutboxStatus.DELIVERED and row.delivered_at == clock.now()


async def test_a_late_sent_never_undoes_delivered_and_replays_change_nothing(app, client, db, clock) -> None:
    row = await _sent_message(app, db, clock)
    for status in ("delivered", "sent", "queued", "delivered", "undelivered"):
        assert (await _post(client, _params(row.provider_sid, status))).status == 200
        clock.advance(seconds=1)
    [stored] = await rows(db)
    assert stored.status == OutboxStatus.DELIVERED
    assert stored.delivered_at == clock.now() - timedelta(seconds=5)
    assert stored.error_code is None


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        ("undelivered", "30003", "Téléphone du destinataire injoignable (éteint ou hors réseau)."),
        ("undelivered", "30005", "Numéro inconnu ou qui n'existe plus."),
        ("failed", "30006", "Numéro fixe ou opérateur ne pouvant pas recevoir de SMS."),
        ("undelivered", "30007", "Message filtré par l'opérateur (considéré comme indésirable)."),
        ("failed", "30008", "Échec de remise inconnu chez l'opérateur."),
        ("undelivered", "30010", "Message non remis (erreur 30010)."),
    ],
)
async def test_a_delivery_failure_keeps_its_code_and_a_french_reason(
        app, client, db, clock, status: str, code: str, reason: str) -> None:
    row = await _sent_message(app, db, clock)
    assert (await _post(client, _params(row.provider_sid, status, ErrorCode=code))).status == 200
    [stored] = await rows(db)
    assert (stored.status, stored.error_code, stored.error_reason) == (status, int(code), reason)


async def test_an_unknown_message_still_gets_200_so_twilio_stops_retrying(app, client, db) -> None:
    resp = await _post(client, _params("SM" + "f" * 32, "delivered"))
    assert resp.status == 200 and await resp.text() == ""
    assert await rows(db) == []


async def test_a_missing_signature_is_403_and_changes_nothing(app, client, db, clock) -> None:
    row = await _sent_message(app, db, clock)
    resp = await _post(client, _params(row.provider_sid, "delivered"), headers={})
    assert resp.status == 403
    assert (await rows(db))[0].status == OutboxStatus.SENT


async def test_a_wrong_signature_is_403_and_changes_nothing(app, client, db, clock) -> None:
    row = await _sent_message(app, db, clock)
    params = _params(row.provider_sid, "delivered")
    resp = await _post(client, params, headers=_signed(params, token="un-autre-secret"))
    assert resp.status == 403
    # Signed for other parameters: tampering is refused too.
    forged = dict(params, MessageStatus="failed")
    resp = await _post(client, forged, headers=_signed(params))
    assert resp.status == 403
    assert (await rows(db))[0].status == OutboxStatus.SENT


async def test_a_callback_can_resolve_an_unknown_message(app, client, db, clock) -> None:
    from sqlalchemy import update

    from crm.campaigns.models import OutboxMessage

    row = await _sent_message(app, db, clock)
    async with db.session() as session:
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.UNKNOWN))
        await session.commit()
    await _post(client, _params(row.provider_sid, "delivered"))
    assert (await rows(db))[0].status == OutboxStatus.DELIVERED


async def test_racing_delivered_and_undelivered_reports_never_move_a_message_backwards(app, client, db, clock) -> None:
    import asyncio

    campaign = await make_campaign(db, clock.now(), numbers(20))
    await dispatch_once(app)
    sent = await rows(db, campaign.id)
    calls = []
    for row in sent:
        calls += [_post(client, _params(row.provider_sid, "delivered")),
                  _post(client, _params(row.provider_sid, "sent")),
                  _post(client, _params(row.provider_sid, "undelivered", ErrorCode="30003"))]
    answers = await asyncio.gather(*calls)
    assert {a.status for a in answers} == {200}
    final = await rows(db, campaign.id)
    # Each row ends at the highest report it got (delivered outranks undelivered), whatever
    # the order in which the reports were processed.
    assert {r.status for r in final} == {OutboxStatus.DELIVERED}


async def test_on_sqlite_a_callback_meeting_another_writer_waits_then_applies(app, client, db, clock) -> None:
    """On a SQLite file the report is written on the event loop (``Database.short_write``),
    which never waits: while another process holds the file it goes the usual way, which
    waits, and it is applied once that writer commits."""
    import asyncio
    import sqlite3

    if db.on_loop is None:
        pytest.skip("SQLite file only")
    row = await _sent_message(app, db, clock)
    other = sqlite3.connect(db.engine.url.database, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    posting = asyncio.create_task(_post(client, _params(row.provider_sid, "delivered")))
    for _ in range(50):
        await asyncio.sleep(0)
    assert not posting.done()
    other.execute("COMMIT")
    other.close()
    assert (await asyncio.wait_for(posting, 30)).status == 200
    assert (await rows(db))[0].status == OutboxStatus.DELIVERED
    assert not db.on_loop.connection().in_transaction
