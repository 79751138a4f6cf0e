"""The inbox in Chromium: at 1280 px the list and the newest conversation are both on screen,
choosing another conversation keeps the list's search, and a reply template fills the reply
that is sent from there; at 390 px one column: the list, then the conversation on its own
page — never sideways scrolling."""

from __future__ import annotations

import re

from playwright.async_api import expect
from sqlalchemy import select

from crm.campaigns.models import OutboxMessage
from crm.inbox.models import InboundMessage, ReplyTemplate
from tests.support.factories import NOW, make_lease, make_user

TEMPLATE = "Bonjour, c'est transmis au gardien."


async def _inbox(db) -> None:
    martin = await make_lease(db, last_name="Martin", mobile="+33611000001")
    durand = await make_lease(db, last_name="Durand", mobile="+33611000002")
    async with db.session() as s:
        for i, (lease, phone, body) in enumerate([
                (martin, "+33611000001", "Toujours pas d'eau chaude"),
                (durand, "+33611000002", "Le radiateur fuit dans la chambre"),
                (durand, "+33611000002", "Et la porte du hall ne ferme plus")]):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164=phone, body=body,
                                 received_at=NOW.replace(minute=i), tenant_id=lease.tenant_id,
                                 agency_id=lease.agency_id, intent="question"))
        s.add(ReplyTemplate(agency_id=martin.agency_id, title="Transmis au gardien", body=TEMPLATE,
                            created_at=NOW))
        await s.commit()


async def _no_sideways_scrolling(page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


async def test_at_1280_px_list_and_conversation_sit_side_by_side(logged_in_page, db):
    await _inbox(db)
    page = await logged_in_page(user=await make_user(db, "adviser", "Blois"))
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto("/messages?q=durand")

    listing = page.get_by_role("list", name="Conversations")
    pane = page.locator("#conversation")
    await expect(listing).to_be_visible()
    await expect(pane).to_be_visible()  # the newest conversation, open beside the list
    await expect(pane.get_by_role("heading", name=re.compile("Conversation avec"))).to_contain_text("Durand")
    left, right = await listing.bounding_box(), await pane.bounding_box()
    assert right["x"] >= left["x"] + left["width"]  # beside, not below
    assert right["y"] < left["y"] + left["height"]
    await expect(listing.get_by_role("listitem")).to_have_count(2)  # the search holds
    await _no_sideways_scrolling(page)

    # Choosing the other conversation keeps the search, and the list stays on screen.
    await listing.get_by_role("link", name=re.compile("Le radiateur fuit")).click()
    await page.wait_for_url(re.compile(r"/messages/\d+\?q=durand$"), wait_until="load")
    await expect(page.get_by_label("Rechercher")).to_have_value("durand")
    await expect(listing.get_by_role("listitem")).to_have_count(2)
    await expect(listing.locator("[aria-current=true]")).to_contain_text("Le radiateur fuit")
    await expect(pane).to_be_visible()

    await page.get_by_label("Partir d'un modèle de réponse").select_option(label="Transmis au gardien")
    box = page.get_by_label("Votre réponse")
    await expect(box).to_have_value(TEMPLATE)
    await expect(box).to_be_focused()
    await page.keyboard.press("End")
    await page.keyboard.type(" L'agence")
    await page.get_by_role("button", name="Envoyer la réponse").click()

    await expect(page.get_by_role("status")).to_have_text("Réponse envoyée.")
    await expect(page).to_have_url(re.compile(r"/messages/\d+\?q=durand&envoye=1$"))
    await expect(listing.get_by_role("listitem")).to_have_count(2)  # still the same list beside it
    await expect(page.get_by_role("list", name="Messages")).to_contain_text(TEMPLATE + " L'agence")
    async with db.session() as session:
        sent = (await session.scalars(select(OutboxMessage))).one()
    assert (sent.body, sent.e164) == (TEMPLATE + " L'agence", "+33611000002")


async def test_at_390_px_the_list_then_the_conversation_on_its_own_page(logged_in_page, db):
    await _inbox(db)
    page = await logged_in_page(user=await make_user(db, "adviser", "Blois"))
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto("/messages")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Messages reçus")
    await expect(page.get_by_role("list", name="Conversations")).to_be_visible()
    await expect(page.locator("#conversation")).to_be_hidden()  # one column: the list alone
    await _no_sideways_scrolling(page)

    await page.get_by_role("link", name=re.compile("Toujours pas d'eau chaude")).click()
    await page.wait_for_url(re.compile(r"/messages/\d+$"), wait_until="load")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Martin")
    await expect(page.get_by_role("list", name="Conversations")).to_be_hidden()  # the conversation alone
    await expect(page.get_by_role("list", name="Messages")).to_contain_text("Toujours pas d'eau chaude")
    await page.get_by_label("Partir d'un modèle de réponse").select_option(label="Transmis au gardien")
    await expect(page.get_by_label("Votre réponse")).to_have_value(TEMPLATE)
    await _no_sideways_scrolling(page)

    await page.get_by_role("link", name="← Messages reçus").click()
    await expect(page.get_by_role("list", name="Conversations")).to_be_visible()
    await _no_sideways_scrolling(page)


async def test_at_1280_px_the_list_shows_the_conversation_open_even_far_down(logged_in_page, db):
    lease = await make_lease(db, last_name="Martin", mobile="+33611000001")
    async with db.session() as s:
        for i in range(40):
            s.add(InboundMessage(provider_sid=f"SM{i:032d}", from_e164="+33611000001", body=f"Message n° {i}",
                                 received_at=NOW.replace(minute=i), tenant_id=lease.tenant_id,
                                 agency_id=lease.agency_id))
        await s.commit()
        oldest = await s.scalar(select(InboundMessage.id).where(InboundMessage.body == "Message n° 0"))
    page = await logged_in_page(user=await make_user(db, "adviser", "Blois"))
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(f"/messages/{oldest}", wait_until="load")
    current = page.locator(".inbox-items [aria-current=true]")
    await expect(current).to_contain_text("Message n° 0")  # the last of the 40
    await expect(current).to_be_in_viewport()
    await expect(page.locator("#conversation-title")).to_be_in_viewport()
