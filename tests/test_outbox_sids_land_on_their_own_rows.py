"""The provider's sids are written in bulk (``outbox.mark_sent``): each lands on its own row
with its own time, in batches of every size, also after PostgreSQL's prepared statement
has switched to its generic plan (from its sixth run), and never on a row no longer in
flight."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.campaigns import outbox
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage, OutboxStatus


async def test_each_sid_lands_on_its_own_row_through_many_batches(db, clock):
    now = clock.now()
    async with db.session() as session:
        campaign = Campaign(name="Coupure", category="outage", body="x", status=CampaignStatus.SENDING,
                            created_at=now, launched_at=now)
        session.add(campaign)
        await session.flush()
        await outbox.write_outbox_rows(session, campaign, (
            {"e164": f"+3361000{i:04d}", "body": f"SMS {i}", "segments": 1} for i in range(120)), now=now)
        await session.commit()
    async with db.session() as session:
        claimed = await outbox.claim_due(session, now, 120)
        await session.commit()
    assert len(claimed) == 120
    # A row the stale sweep settled meanwhile is neither pending nor sent: the guard skips it.
    skipped = claimed[7].id
    async with db.session() as session:
        await session.execute(OutboxMessage.__table__.update().where(OutboxMessage.id == skipped)
                              .values(status=OutboxStatus.CANCELLED))
        await session.commit()
    expected = {}
    sizes = [1, 2, 3, 5, 8, 13, 21, 30, 37]  # nine statements, shuffled ids within each
    rows = list(reversed(claimed))
    for n in sizes:
        batch, rows = rows[:n], rows[n:]
        params = [{"b_id": c.id, "b_sid": f"SM{c.id:032x}", "b_at": now + timedelta(seconds=c.id)}
                  for c in batch[::2] + batch[1::2]]
        expected.update({p["b_id"]: (p["b_sid"], p["b_at"]) for p in params})
        async with db.session() as session:
            await outbox.mark_sent(session, params)
            await session.commit()
    assert not rows
    async with db.session() as session:
        stored = {m.id: m for m in await session.scalars(select(OutboxMessage))}
    for id_, (sid, at) in expected.items():
        m = stored[id_]
        if id_ == skipped:
            assert (m.status, m.provider_sid) == (OutboxStatus.CANCELLED, None)
        else:
            assert (m.status, m.provider_sid, m.sent_at, m.updated_at) == (OutboxStatus.SENT, sid, at, at)
