"""In the inbox an adviser sees, on hover, which rule decided each reply; answers "non" to a
possible objection in one click; corrects a reply's intent from its conversation — in
Chromium at 1280 and 390 px wide, without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from crm.inbox.replies.models import IntentCorrection
from tests.support.factories import make_lease
from tests.support.sms import http_settings, inbound, tenant_texts  # noqa: F401 (http_settings: a fixture)


@pytest.fixture
def settings(http_settings):
    return http_settings




async def _fits(page) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling"


@pytest.mark.parametrize("width", [1280, 390])
async def test_an_adviser_reads_the_reason_answers_a_flag_and_corrects_an_intent(
        logged_in_page, live_server, db, width):
    await make_lease(db, agency="Blois", last_name="Martin", mobile="+33611111111")
    await make_lease(db, agency="Blois", last_name="Bernard", mobile="+33622222222")
    await tenant_texts(live_server, sender="+33611111111", body="arrêtez de me relancer pour le loyer")
    await tenant_texts(live_server, sender="+33622222222", body="Pourquoi l'eau est coupée ?")
    page = await logged_in_page(role="adviser", agency="Blois")
    await page.set_viewport_size({"width": width, "height": 900})

    await page.goto("/messages")
    conversations = page.get_by_role("list", name="Conversations").get_by_role("listitem")
    question = conversations.filter(has_text="Pourquoi l'eau est coupée ?")
    pill = question.get_by_text("Question", exact=True)
    await pill.hover()
    await expect(pill).to_have_attribute("title", "Décidé par : question.mark « ? »")
    flagged = conversations.filter(has_text="arrêtez de me relancer")
    await expect(flagged.get_by_role("group", name="Objection possible")).to_contain_text("objection possible")
    await _fits(page)
    await flagged.get_by_role("button", name="non").click()
    await expect(page).to_have_url(re.compile(r"/messages$"))
    await expect(page.get_by_text("objection possible")).to_have_count(0)

    await page.get_by_role("link", name="Pourquoi l'eau est coupée ?").click()
    await expect(page.locator("#intention")).to_have_attribute("title", "Décidé par : question.mark « ? »")
    await page.get_by_label("Corriger l'intention").select_option(label="Le problème continue")
    await page.get_by_role("button", name="Corriger").click()
    await expect(page.get_by_role("status")).to_have_text("Intention corrigée.")
    await expect(page.locator("#intention")).to_have_text("Le problème continue")
    await _fits(page)

    async with db.session() as session:
        [c] = list(await session.scalars(select(IntentCorrection)))
    assert (c.from_intent, c.to_intent) == ("question", "problem_persists")
    flagged_row = [m for m in await inbound(db) if m.from_e164 == "+33611111111"][0]
    assert flagged_row.review_outcome == "dismissed"
