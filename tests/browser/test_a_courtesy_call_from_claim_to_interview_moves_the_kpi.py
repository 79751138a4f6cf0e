"""A whole courtesy call in Chromium: claim → no answer → the next working day → reached →
interview → the KPI moves. Keys and clicks as an adviser uses them."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from tests.support.calls import new_task
from tests.support.factories import make_user

PARIS = ZoneInfo("Europe/Paris")


async def test_a_call_from_claim_to_interview_moves_the_kpi(logged_in_page, db, clock):
    task = await new_task(db, agency="Blois", first_name="Sandrine", last_name="Bouchard",
                          lease_start=date(2026, 11, 3))
    user = await make_user(db, role="manager", agency="Blois")  # managers call too, and see KPIs
    page = await logged_in_page(user=user)

    await page.goto("/indicateurs?from=2026-11-01&to=2026-11-30")
    await expect(page.locator("#kpi-attempted")).to_have_text("0,0 %")

    await page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Appels du jour").click()
    await page.get_by_role("link", name=re.compile("Bouchard")).click()
    await expect(page).to_have_url(re.compile(rf"/appels/{task.id}$"))
    await page.get_by_role("button", name="Prendre l'appel").click()
    await expect(page.get_by_role("status")).to_contain_text("Vous avez pris cet appel")
    await page.keyboard.press("1")  # no answer
    await expect(page.get_by_role("status")).to_contain_text("Pas de réponse enregistré")
    await expect(page.get_by_role("status")).to_contain_text("17/11/2026 à 13:30")

    # Tuesday afternoon, the next working day in the other half-day (sessions last 12 hours).
    clock.set(datetime(2026, 11, 17, 13, 35, tzinfo=PARIS))
    page = await logged_in_page(user=user)
    await page.goto("/appels")
    row = page.locator(f'tr[data-task-id="{task.id}"]')
    await expect(row).to_contain_text("Bouchard")
    await expect(row).to_be_focused()
    await page.keyboard.press("7")  # reached
    await expect(page).to_have_url(re.compile(rf"/appels/{task.id}#entretien$"))

    form = page.locator("#interview-form")
    await form.locator('input[name="answer_move_in"][value="4"]').check()
    await form.locator('input[name="answer_cleanliness"][value="3"]').check()
    await form.get_by_label("Synthèse de l'échange").fill("Très bon accueil, logement propre. Merci.")
    await form.locator("#fu_category_0").fill("Menuiseries")
    await form.locator("#fu_description_0").fill("Volet roulant de la chambre bloqué")
    await form.get_by_role("button", name="Enregistrer l'entretien").click()
    await expect(page.get_by_role("status")).to_contain_text("Entretien enregistré")

    await page.goto("/indicateurs?from=2026-11-01&to=2026-11-30")
    await expect(page.locator("#kpi-attempted")).to_have_text("100,0 %")
    await expect(page.locator("#kpi-completed")).to_have_text("100,0 %")
    await expect(page.locator("#kpi-summary")).to_contain_text("1 / 1")

    await page.goto("/suivis")
    await expect(page.locator("#followups")).to_contain_text("Volet roulant de la chambre bloqué")
