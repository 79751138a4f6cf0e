"""Demo campaigns fill a realistic history; SMS sent show on the tenant's timeline."""

import random

from sqlalchemy import func, select

from crm.campaigns import demo
from crm.campaigns.models import Campaign, OutboxMessage
from crm.campaigns.timeline import entries
from crm.clock import FrozenClock
from tests.support.factories import NOW, make_lease


async def test_demo_campaigns_have_rows_in_various_statuses(db):
    for r, residence in enumerate(("Les Provinces", "Les Grouets", "Vienne", "Croix-Chevalier")):
        for i in range(6):
            await make_lease(db, residence=residence, mobile=f"+3361{r}{i:06d}")
    await demo.fill(db, FrozenClock(NOW), random.Random(1))
    async with db.session() as s:
        campaigns = (await s.scalars(select(Campaign).order_by(Campaign.id))).all()
        assert [c.preset for c in campaigns] == ["lift_outage", "water_cut", "rent_reminder"]
        assert all(c.status == "done" and c.launched_at < NOW for c in campaigns)
        per_campaign = dict((await s.execute(select(OutboxMessage.campaign_id, func.count())
                                             .group_by(OutboxMessage.campaign_id))).all())
        assert per_campaign == {campaigns[0].id: 6, campaigns[1].id: 6, campaigns[2].id: 12}
        statuses = set((await s.scalars(select(OutboxMessage.status))).all())
        assert "delivered" in statuses and statuses <= {"delivered", "sent", "undelivered", "failed"}
        body = await s.scalar(select(OutboxMessage.body).where(OutboxMessage.campaign_id == campaigns[1].id).limit(1))
        assert "coupure d'eau" in body and "de 9h à 12h" in body


async def test_sms_sent_to_a_tenant_appear_on_their_timeline(db):
    lease = await make_lease(db)
    async with db.session() as s:
        campaign = Campaign(name="Ascenseur B", category="outage", body="x", created_at=NOW)
        direct = Campaign(name="direct", kind="direct", category="information", body="y", created_at=NOW)
        s.add_all([campaign, direct])
        await s.flush()
        s.add(OutboxMessage(campaign_id=campaign.id, tenant_id=lease.tenant_id, e164="+33612345678",
                            body="L'ascenseur est en panne.", status="delivered", created_at=NOW,
                            sent_at=NOW))
        s.add(OutboxMessage(campaign_id=direct.id, tenant_id=lease.tenant_id, e164="+33612345678",
                            body="Bonjour", status="failed", error_reason="Numéro invalide.",
                            created_at=NOW))
        await s.commit()
        found = sorted(await entries(s, lease.tenant_id), key=lambda e: e.title)
    assert [(e.kind, e.title, e.detail, e.link) for e in found] == [
        ("sms_sent", "SMS de la campagne « Ascenseur B » (reçu)", "L'ascenseur est en panne.",
         f"/campagnes/{campaign.id}"),
        ("sms_sent", "SMS envoyé (échec) — Numéro invalide.", "Bonjour", None),
    ]
