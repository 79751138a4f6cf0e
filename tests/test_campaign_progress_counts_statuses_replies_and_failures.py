"""A campaign's progress: counts per status, replies, opt-outs and failures grouped by code."""

from crm.campaigns.models import Campaign, OutboxMessage
from crm.inbox.models import InboundMessage
from tests.support.factories import NOW, api_user, make_agency


async def test_counts_replies_opt_outs_and_failures_are_aggregated(client, db):
    agency = await make_agency(db, "Blois")
    headers = await api_user(client, db, "manager", "Blois")
    statuses = (["delivered"] * 5 + ["sent"] * 2 + ["pending"] + ["unknown"] + ["cancelled"]
                + [("failed", 21211, "Numéro invalide.")] * 2
                + [("undelivered", 30005, "Numéro inconnu de l'opérateur.")])
    async with db.session() as s:
        campaign = Campaign(name="Eau", category="outage", urgent=True, body="x",
                            audience={"agencies": [agency.id]}, agency_id=agency.id,
                            status="sending", created_at=NOW, launched_at=NOW)
        other = Campaign(name="Autre", category="outage", body="x", agency_id=agency.id,
                         created_at=NOW)
        s.add_all([campaign, other])
        await s.flush()
        for i, status in enumerate(statuses):
            code = reason = None
            if isinstance(status, tuple):
                status, code, reason = status
            s.add(OutboxMessage(campaign_id=campaign.id, e164=f"+336110{i:05d}", body="x",
                                status=status, error_code=code, error_reason=reason, created_at=NOW))
        for i, intent in enumerate(["opt_out", "problem_persists", "thanks", "opt_out"]):
            s.add(InboundMessage(provider_sid=f"SMin{i}", from_e164=f"+336110{i:05d}", body="...",
                                 received_at=NOW, campaign_id=campaign.id, intent=intent))
        s.add(InboundMessage(provider_sid="SMother", from_e164="+33600000000", body="...",
                             received_at=NOW, campaign_id=other.id, intent="opt_out"))
        await s.commit()

    resp = await client.get(f"/api/v1/campaigns/{campaign.id}", headers=headers)
    assert resp.status == 200
    body = await resp.json()
    assert body["id"] == campaign.id and body["name"] == "Eau" and body["status"] == "sending"
    assert body["counts"] == {"pending": 1, "sending": 0, "sent": 2, "delivered": 5,
                              "undelivered": 1, "failed": 2, "unknown": 1}
    assert body["replies"] == 4
    assert body["opt_outs"] == 2
    assert body["failures"] == [
        {"code": 21211, "reason": "Numéro invalide.", "count": 2},
        {"code": 30005, "reason": "Numéro inconnu de l'opérateur.", "count": 1},
    ]

    resp = await client.get("/api/v1/campaigns?per_page=1&page=2", headers=headers)
    listing = await resp.json()
    assert listing["total"] == 2 and listing["page"] == 2 and len(listing["items"]) == 1
