"""A tenant's SMS replies appear on their timeline with what the service understood."""

from __future__ import annotations

from crm.timeline import tenant_timeline
from tests.support.factories import make_lease
from tests.support.sms import inbound, post_sms, settings  # noqa: F401


async def test_a_reply_shows_on_the_tenant_timeline_with_intent_tone_and_link(client, db, clock):
    lease = await make_lease(db, mobile="+33612345678")
    await post_sms(client, "toujours pas d'eau au bâtiment B !!")
    [m] = await inbound(db)
    async with db.session() as session:
        entries = [e for e in await tenant_timeline(session, lease.tenant_id) if e.kind == "sms_received"]
    [entry] = entries
    assert entry.at == clock.now() and entry.link == f"/messages/{m.id}"
    assert entry.title == "SMS reçu : le problème continue, ton négatif (à traiter)"
    assert entry.detail == "toujours pas d'eau au bâtiment B !!"
