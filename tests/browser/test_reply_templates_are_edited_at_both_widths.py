"""The templates page at 1280 and 390 px: a manager opens "Modifier" on a template, changes
its text and saves; the page fits the width."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.inbox.models import ReplyTemplate
from tests.support.factories import NOW

WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_manager_edits_a_template(logged_in_page, db, width):
    page = await logged_in_page(role="manager", agency="Blois")
    async with db.session() as s:
        from crm.models import Agency

        agency = (await s.scalars(select(Agency).where(Agency.name == "Blois"))).one()
        s.add(ReplyTemplate(agency_id=agency.id, title="Gardien", body="Transmis au gardien.", created_at=NOW))
        await s.commit()
    await page.set_viewport_size({"width": width, "height": 800})
    await page.goto("/messages/modeles")
    await page.get_by_text("Modifier", exact=False).first.click()
    await page.get_by_label("Texte du SMS").first.fill("Votre demande est transmise au gardien.")
    await page.get_by_role("button", name="Enregistrer").click()
    await page.wait_for_load_state("load")
    assert "Modèle « Gardien » modifié." in await page.locator("#flash").inner_text()
    assert await page.evaluate(WIDER) == 0
    async with db.session() as s:
        assert (await s.scalars(select(ReplyTemplate))).one().body == "Votre demande est transmise au gardien."
