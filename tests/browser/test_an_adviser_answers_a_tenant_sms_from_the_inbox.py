"""An adviser sees a tenant's SMS in the inbox (badge in the navigation), opens the
conversation, types a reply while the segment counter follows, sends it and files the
message as handled — in Chromium, against the app on a real port."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from tests.support.factories import make_lease
from tests.support.sms import http_settings, inbound, make_sent_campaign, tenant_texts  # noqa: F401 (http_settings: a fixture)


@pytest.fixture
def settings(http_settings):  # a Twilio auth token, and a session cookie over plain http
    return http_settings




async def test_an_adviser_answers_a_tenant_s_sms_from_the_inbox(logged_in_page, live_server, db, clock):
    lease = await make_lease(db, agency="Blois", last_name="Bouchard", mobile="+33612345678")
    await make_sent_campaign(db, name="Coupure d'eau bâtiment B", agency_id=lease.agency_id,
                             recipients=[(lease.tenant_id, "+33612345678")],
                             sent_at=clock.now() - timedelta(hours=1))
    await tenant_texts(live_server, "Quand est-ce que l'eau revient ?")
    page = await logged_in_page(role="adviser", agency="Blois")

    nav = page.get_by_role("navigation", name="Navigation principale")
    inbox_link = nav.get_by_role("link", name=re.compile("Messages reçus"))
    await expect(inbox_link).to_contain_text("1")
    await inbox_link.click()
    await expect(page).to_have_url(re.compile(r"/messages$"))
    await page.get_by_role("link", name="Quand est-ce que l'eau revient ?").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Bouchard")
    await expect(page.get_by_role("list", name="Messages")).to_contain_text("Coupure d'eau")
    box = page.get_by_label("Votre réponse")
    await box.fill("L'eau revient vers 12h.")
    await expect(page.locator("#segments")).to_have_text("23 caractères · GSM-7 · 1 segment par envoi")
    await box.fill("Le plombier passe à 14h ; merci de votre patience — l'agence")
    await expect(page.locator("#segments")).to_contain_text(  # the dash is UCS-2
        "UCS-2 · 1 segment par envoi — caractères qui doublent le coût : « — »")
    await box.fill("Le plombier passe à 14h, merci de votre patience.")
    await page.get_by_label("Marquer comme traité après l'envoi").check()
    await page.get_by_role("button", name="Envoyer la réponse").click()

    await expect(page.get_by_role("status")).to_have_text("Réponse envoyée.")
    await expect(page.get_by_role("list", name="Messages")).to_contain_text(
        "Le plombier passe à 14h, merci de votre patience.")
    await expect(page.locator("#etat")).to_have_text("Traité")
    await expect(inbox_link).not_to_contain_text("1")
    async with db.session() as session:
        sent = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.body == "Le plombier passe à 14h, merci de votre patience."))).one()
    assert sent.e164 == "+33612345678" and sent.tenant_id == lease.tenant_id
    [m] = await inbound(db)
    assert m.status == "handled"
