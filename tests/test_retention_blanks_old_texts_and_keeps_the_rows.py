"""The retention job blanks notes and SMS texts 3 years after the lease end or last contact;
rows stay so that indicators keep counting."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from crm.calls.models import CallAttempt, Interview
from crm.campaigns.models import Campaign, OutboxMessage
from crm.inbox.models import InboundMessage
from crm.models import AuditEvent
from crm.tenants.retention import JOBS, purge_old_data
from crm.text import PURGED
from tests.support.factories import make_lease
from tests.support.privacy import add_history


async def _texts(db, ids):
    async with db.session() as s:
        return (
            (await s.get(CallAttempt, ids["attempt"])).note,
            (await s.get(Interview, ids["interview"])).summary,
            (await s.get(OutboxMessage, ids["outbox"])).body,
            (await s.get(InboundMessage, ids["inbound"])).body,
            (await s.get(Campaign, ids["direct"])).body,
        )


async def test_texts_of_households_gone_for_3_years_are_blanked_and_rows_kept(app, db, clock):
    gone = await make_lease(db, last_name="Parti", mobile="+33611111111", lease_start=date(2015, 1, 1),
                            lease_end=date(2022, 6, 30))
    gone_ids = await add_history(db, gone, "+33611111111", at=datetime(2022, 5, 2, 9, tzinfo=UTC), sid="A")
    recent = await make_lease(db, last_name="Récent", mobile="+33622222222", lease_start=date(2015, 1, 1),
                              lease_end=date(2022, 6, 30))
    recent_ids = await add_history(db, recent, "+33622222222", at=datetime(2024, 1, 10, 9, tzinfo=UTC), sid="B")
    living = await make_lease(db, last_name="Présent", mobile="+33633333333", lease_start=date(2015, 1, 1))
    living_ids = await add_history(db, living, "+33633333333", at=datetime(2020, 3, 1, 9, tzinfo=UTC), sid="C")

    count = await purge_old_data(app)

    # The household gone: call note, interview summary, follow-up, two SMS sent, the direct
    # SMS's text, the reply (7); plus the local backend's simulated SMS older than 3 years,
    # whoever they went to (2).
    assert count == 9
    assert await _texts(db, gone_ids) == (None, PURGED, PURGED, PURGED, PURGED)
    assert (await _texts(db, recent_ids))[0].startswith("Mme")
    assert (await _texts(db, living_ids))[3].startswith("Toujours")
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 6
        assert await s.scalar(select(func.count()).select_from(CallAttempt)) == 3
        audit = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "purge"))).all()
        assert [a.details["texts"] for a in audit] == [9]

    assert await purge_old_data(app) == 0  # nothing twice

    # A year later, the household last contacted in January 2024 is out of the period too.
    clock.advance(days=366)
    assert await purge_old_data(app) == 8
    assert await _texts(db, recent_ids) == (None, PURGED, PURGED, PURGED, PURGED)
    assert (await _texts(db, living_ids))[0].startswith("Mme")


async def test_messages_from_unknown_numbers_are_blanked_after_the_period(app, db, clock):
    now = clock.now()
    async with db.session() as s:
        s.add(InboundMessage(provider_sid="OLD", from_e164="+33700000000", body="Qui êtes-vous ?",
                             received_at=now - timedelta(days=3 * 366)))
        s.add(InboundMessage(provider_sid="NEW", from_e164="+33700000001", body="Bonjour",
                             received_at=now - timedelta(days=300)))
        await s.commit()
    assert await purge_old_data(app) == 1
    async with db.session() as s:
        bodies = dict((await s.execute(select(InboundMessage.provider_sid, InboundMessage.body))).all())
    assert bodies == {"OLD": PURGED, "NEW": "Bonjour"}


async def test_the_retention_period_follows_the_setting(app, db, settings):
    gone = await make_lease(db, last_name="Parti", mobile="+33611111111", lease_start=date(2015, 1, 1),
                            lease_end=date(2022, 6, 30))
    await add_history(db, gone, "+33611111111", at=datetime(2022, 5, 2, 9, tzinfo=UTC))
    settings.retention_years = 5
    assert await purge_old_data(app) == 0


def test_the_purge_is_an_hourly_scheduled_job():
    from crm.scheduler import jobs

    assert [(j.name, j.seconds) for j in JOBS] == [("purge_old_data", 3600)]
    assert "purge_old_data" in {j.name for j in jobs()}
