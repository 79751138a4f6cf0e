"""The dispatcher writes the provider's answers in a few large transactions (up to
FLUSH_ROWS results, or FLUSH_SECONDS after the first one), not one per message; everything
handed over is recorded, with its sid, by the time ``dispatch_once`` returns, however long
the results would otherwise have waited for their batch."""

from __future__ import annotations

import json

from sqlalchemy import event

from crm.campaigns import dispatcher
from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import CampaignStatus, OutboxStatus
from crm.keys import SMS
from tests.support.outbox import campaign_status, make_campaign, numbers, rows, twilio_app
from tests.support.twilio_standin import TwilioStandin, twilio_standin  # noqa: F401


def _count_sent_writes(db) -> list[int]:  # type: ignore[no-untyped-def]
    """Rows of each statement recording sids: one UPDATE of arrays (PostgreSQL) or of a
    JSON array (SQLite), or an executemany, is one write."""
    writes: list[int] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        words = " ".join(statement.split()).lower()
        if not (words.startswith("update outbox_message") and "provider_sid" in words):
            return
        if executemany:
            writes.append(len(parameters))
        else:  # the arrays (ids, sids, times), or one JSON array of [id, sid, time]
            values = parameters.values() if isinstance(parameters, dict) else parameters
            arrays = [json.loads(v) if isinstance(v, str) else v for v in values
                      if isinstance(v, list | tuple) or (isinstance(v, str) and v.startswith("["))]
            writes.append(max(len(a) for a in arrays))

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    return writes


async def test_results_are_written_in_batches_and_all_recorded_when_the_batch_returns(
        settings, db, clock, twilio_standin: TwilioStandin, monkeypatch) -> None:
    # The timer never fires here: only a full batch or the end of dispatch_once writes.
    monkeypatch.setattr(dispatcher, "FLUSH_SECONDS", 3600.0)
    monkeypatch.setattr(dispatcher, "FLUSH_ROWS", 100)
    campaign = await make_campaign(db, clock.now(), numbers(250), urgent=True)
    writes = _count_sent_writes(db)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        assert await dispatch_once(app) == 250
    finally:
        await app[SMS].close()
    stored = await rows(db, campaign.id)
    assert {r.status for r in stored} == {OutboxStatus.SENT}
    assert {r.provider_sid for r in stored} == {r.sid for r in twilio_standin.accepted}
    assert await campaign_status(db, campaign.id) == CampaignStatus.DONE
    assert sum(writes) == 250
    # Two full batches of at least 100 (more gather while one is written), then the rest at
    # the end of the batch: a handful of transactions for 250 messages, never one each.
    assert 1 <= len(writes) <= 3, writes
    assert all(n >= 100 for n in writes[:-1]), writes


async def test_a_quiet_dispatcher_writes_its_few_results_without_waiting_for_a_full_batch(
        settings, db, clock, twilio_standin: TwilioStandin, monkeypatch) -> None:
    monkeypatch.setattr(dispatcher, "FLUSH_SECONDS", 3600.0)  # flush() does not wait for it
    campaign = await make_campaign(db, clock.now(), numbers(3))
    writes = _count_sent_writes(db)
    app = twilio_app(settings, db, clock, twilio_standin.url, sms_rate=0)
    try:
        assert await dispatch_once(app) == 3
    finally:
        await app[SMS].close()
    assert {r.status for r in await rows(db, campaign.id)} == {OutboxStatus.SENT}
    assert writes == [3]
