"""The commitments page (mark done with a note), the incident KPI page with its chart and the
admin's commitment settings, in Chromium at 1280 and 390 px wide without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from crm.incidents.jobs import incident_commitments
from tests.support.factories import make_user
from tests.support.incidents import building, paris


async def _fits(page, width: int) -> None:
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide in a {width} px window"


@pytest.mark.parametrize("width", [1280, 390])
async def test_commitments_kpi_and_settings_pages(logged_in_page, live_server, db, clock, width):
    await building(db)
    clock.set(paris(2026, 3, 2, 10, 0))
    manager = await make_user(db, role="manager", agency="Blois")
    page = await logged_in_page(user=manager)
    await page.goto("/incidents/nouveau")
    await page.get_by_text("Les Provinces", exact=True).click()
    await page.get_by_role("checkbox", name="Bâtiment B (Les Provinces)", exact=True).check()
    await page.get_by_role("button", name="Déclarer l'incident").click()
    await expect(page.locator("#etat")).to_have_text("En cours")

    clock.set(paris(2026, 3, 16, 9, 0))
    await incident_commitments(live_server.app)
    page = await logged_in_page(user=manager)
    await page.set_viewport_size({"width": width, "height": 900})
    await page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=re.compile("Engagements")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Engagements envers les locataires")
    await _fits(page, width)
    card = page.locator("section.card", has_text="Portage de courses")
    await card.get_by_label("Note").fill("Prestataire Courses 41")
    await card.get_by_role("button", name="Marquer comme tenu").click()
    await expect(page.get_by_role("status")).to_have_text("Engagement tenu.")
    await expect(page.locator("section.card", has_text="Remise sur le loyer")).to_be_visible()

    await page.get_by_role("link", name=re.compile("Ascenseur en panne")).first.click()
    await page.get_by_label("Prévenir les foyers : « service rétabli »").uncheck()
    await page.get_by_role("button", name="Résoudre l'incident").click()
    await expect(page.locator("#etat")).to_have_text("Résolu")

    await page.goto("/indicateurs/incidents?from=2026-03-01&to=2026-03-31")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Incidents : indicateurs")
    await expect(page.locator("#per100-without")).to_have_text("0,00")
    await expect(page.get_by_role("img", name=re.compile("Durée médiane"))).to_be_visible()
    await _fits(page, width)

    admin = await make_user(db, role="admin", agency=None)
    page = await logged_in_page(user=admin)
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto("/engagements/reglages")
    await page.get_by_label("Jours ouvrés, Portage de courses, Ascenseur").fill("2")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_have_text("Engagements enregistrés.")
    await expect(page.get_by_label("Jours ouvrés, Portage de courses, Ascenseur")).to_have_value("2")
    await _fits(page, width)
