"""The inbox in Chromium: on a wide screen the chosen conversation opens beside the list;
on a phone it comes first, without sideways scrolling; a reply template fills the box."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from crm.inbox.models import InboundMessage, ReplyTemplate
from crm.models import Agency
from tests.support.factories import NOW, make_lease, make_user


async def _inbox(db):
    lease = await make_lease(db, last_name="Martin", mobile="+33611000001")
    async with db.session() as s:
        for i, body in enumerate(["Toujours pas d'eau chaude", "Et le radiateur fuit aussi"]):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164="+33611000001", body=body,
                                 received_at=NOW, tenant_id=lease.tenant_id, agency_id=lease.agency_id,
                                 intent="question"))
        agency = await s.get(Agency, lease.agency_id)
        s.add(ReplyTemplate(agency_id=agency.id, title="Transmis au gardien",
                            body="Bonjour, c'est transmis au gardien.", created_at=NOW))
        await s.commit()


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_conversation_opens_beside_the_list_and_a_template_fills_the_reply(logged_in_page, db, width):
    await _inbox(db)
    page = await logged_in_page(user=await make_user(db, "adviser", "Blois"))
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto("/messages")
    row = page.locator("tr", has_text="Toujours pas d'eau chaude")
    await row.get_by_role("link", name=re.compile("^Voir à côté")).click()
    panel = page.locator("#panel")
    await expect(panel).to_contain_text("Et le radiateur fuit aussi")
    listing = await page.locator(".inbox-list").bounding_box()
    box = await panel.bounding_box()
    if width == 1280:
        assert box["x"] > listing["x"] + listing["width"] - 1  # beside the list
    else:
        assert box["y"] < listing["y"]  # on a phone, first
    assert await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    await panel.get_by_role("link", name="Ouvrir la conversation pour répondre").click()
    # The picker's script is deferred: pick once the page has loaded, as a person would.
    await page.wait_for_url(re.compile(r"/messages/\d+$"), wait_until="load")
    await page.get_by_label("Partir d'un modèle de réponse").select_option(label="Transmis au gardien")
    await expect(page.get_by_label("Votre réponse")).to_have_value("Bonjour, c'est transmis au gardien.")
    await expect(page.get_by_label("Votre réponse")).to_be_focused()
