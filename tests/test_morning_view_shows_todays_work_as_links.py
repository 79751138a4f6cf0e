"""« Ce matin »: managers and admins land on today's work — calls left, open replies and
those saying the problem continues, campaigns sending or scheduled, late requests (open past their
due time), the month's progress — each a link; an agency sees only its own."""

import re
from datetime import timedelta

from sqlalchemy import update

from crm.campaigns.models import Campaign, CampaignStatus
from crm.inbox.models import InboundMessage
from crm.inbox.understanding import Intent
from crm.requests import steps
from crm.requests.models import TenantRequest
from tests.support.calls import new_task
from tests.support.factories import make_user, page_login
from tests.support.sms import make_sent_campaign


async def _morning(db, clock):
    task = await new_task(db, last_name="Appel")
    other = await new_task(db, last_name="Suivi", mobile="+33611000009")
    campaign = await make_sent_campaign(db, name="Coupure d'eau B", agency_id=task.agency_id,
                                        sent_at=clock.now() - timedelta(hours=1),
                                        recipients=[(task.tenant_id, "+33612345678")])
    async with db.session() as s:
        await s.execute(update(Campaign).where(Campaign.id == campaign.id)
                        .values(status=CampaignStatus.SENDING))
        for i, intent in enumerate((Intent.PROBLEM_PERSISTS, Intent.PROBLEM_PERSISTS, Intent.QUESTION)):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164="+33612345678", body="x",
                                 received_at=clock.now(), agency_id=task.agency_id, intent=intent,
                                 sentiment="negative", status="open", campaign_id=campaign.id))
        now = clock.now()
        for description, due, status in (("Fuite", now - timedelta(days=1), steps.REGISTERED),
                                         ("Récent", now + timedelta(days=2), steps.REGISTERED),
                                         ("Réglé", now - timedelta(days=3), steps.CLOSED)):
            s.add(TenantRequest(tenant_id=other.tenant_id, agency_id=other.agency_id, kind="technical",
                                category="leak", description=description, status=status,
                                registered_at=now - timedelta(days=9), due_at=due, updated_at=now))
        await s.commit()
    return campaign


def _figure(html, tile):
    return re.search(rf'id="tile-{tile}">\s*<span class="figure">([^<]+)<', html).group(1)


async def test_a_manager_lands_on_the_morning_view_with_each_figure_a_link(client, db, clock):
    campaign = await _morning(db, clock)
    await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.get("/", allow_redirects=False)
    assert resp.headers["Location"] == "/ce-matin"
    html = await (await client.get("/ce-matin")).text()
    assert _figure(html, "calls") == "2"
    assert _figure(html, "replies") == "3"
    assert _figure(html, "persisting") == "2"
    assert _figure(html, "late") == "1"
    assert 'href="/demandes?late=true&amp;status=open" id="tile-late"' in html
    assert 'href="/messages?intent=problem_persists" id="tile-persisting"' in html
    assert (f'<a href="/campagnes/{campaign.id}">Coupure d&#39;eau B</a> — en cours '
            "d'envoi, 1 destinataire") in html
    assert "Appelés : 0 / 2" in html and "objectif 95 %" in html and "objectif 60 %" in html
    assert 'href="/indicateurs?from=2026-11-01&amp;to=2026-11-16"' in html


async def test_another_agency_sees_none_of_it_and_advisers_keep_their_queue(client, db, clock):
    await _morning(db, clock)
    await page_login(client, await make_user(db, "manager", "Vendôme"))
    html = await (await client.get("/ce-matin")).text()
    assert _figure(html, "calls") == "0" and _figure(html, "replies") == "0"
    assert _figure(html, "late") == "0"
    assert "Coupure d&#39;eau B" not in html
    await page_login(client, await make_user(db, "adviser", "Blois"))
    assert (await client.get("/", allow_redirects=False)).headers["Location"] == "/appels"
    assert (await client.get("/ce-matin", allow_redirects=False)).status == 403
