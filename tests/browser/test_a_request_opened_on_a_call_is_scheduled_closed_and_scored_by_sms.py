"""A request's whole life in Chromium, at desk width and phone width: opened from a courtesy
call → scheduled with the appointment picker → the tenant's SMS gives the appointment in
French → done → closed → the tenant answers "4" → the survey comparison counts it. The
requests pages never scroll sideways at 390 px."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.async_api import expect

from crm.campaigns.dispatcher import dispatch_once
from tests.support.calls import new_task
from tests.support.factories import make_user
from tests.support.sms import http_settings, tenant_texts  # noqa: F401 (http_settings: a fixture)


@pytest.fixture
def settings(http_settings):  # a Twilio auth token, and a session cookie over plain http
    return http_settings


async def _no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    viewport = await page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url}: {width}px wide in a {viewport}px window"




@pytest.mark.parametrize("width", [1280, 390])
async def test_a_request_from_a_call_to_the_tenant_s_score(logged_in_page, live_server, db, width):
    task = await new_task(db, agency="Blois", first_name="Sandrine", last_name="Bouchard",
                          lease_start=date(2026, 11, 3), mobile="+33612345678")
    user = await make_user(db, role="manager", agency="Blois")  # managers call and see surveys
    page = await logged_in_page(user=user)
    await page.set_viewport_size({"width": width, "height": 900})

    # The courtesy call: reached, interview with one problem to deal with.
    await page.goto(f"/appels/{task.id}")
    await page.get_by_role("button", name="Prendre l'appel").click()
    await page.keyboard.press("7")  # reached
    form = page.locator("#interview-form")
    # One theme answered: an interview with no answer at all is refused unless declined.
    await form.locator("fieldset.theme").first.locator('input[data-score="4"]').check()
    await form.get_by_label("Synthèse de l'échange").fill("Bon accueil, une fuite à réparer.")
    await form.locator("#fu_category_0").fill("Fuite / plomberie")
    await form.locator("#fu_description_0").fill("Fuite sous l'évier de la cuisine")
    await form.get_by_role("button", name="Enregistrer l'entretien").click()
    await expect(page.get_by_role("status")).to_contain_text("Entretien de Mme Sandrine Bouchard enregistré. Merci ! 1 demande(s) ouverte(s)")

    # "Demandes" lists it; its page schedules it with the appointment picker.
    nav = page.get_by_role("navigation", name="Navigation principale")
    await nav.get_by_role("link", name="Demandes", exact=True).click()
    await _no_sideways_scroll(page)
    await page.get_by_role("link", name=re.compile(r"^Demande \d+$")).first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Enregistrée")
    await _no_sideways_scroll(page)
    await page.get_by_label("Date et heure du rendez-vous").fill("2026-11-17T14:30")
    await page.get_by_role("button", name="Fixer le rendez-vous").click()
    await expect(page.get_by_role("status")).to_contain_text("Rendez-vous fixé")

    # The tenant's SMS (the local backend keeps it) gives the appointment in French.
    await dispatch_once(live_server.app)
    await page.reload()
    await expect(page.locator("#steps")).to_contain_text("mardi 17 novembre 2026 à 14h30")
    await nav.get_by_role("link", name="SMS envoyés (simulation)").click()
    await expect(page.locator("main")).to_contain_text("rendez-vous est fixé le mardi 17 novembre 2026 à 14h30")
    await page.go_back()

    await page.get_by_role("button", name="Marquer traitée").click()
    await expect(page.get_by_role("status")).to_contain_text("Traitée")
    await page.get_by_role("button", name="Clôturer").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Clôturée")
    await dispatch_once(live_server.app)

    # The tenant answers the satisfaction question by SMS.
    await tenant_texts(live_server, "4", "+33612345678")
    await page.reload()
    await expect(page.locator("main")).to_contain_text("4 / 4")
    await expect(page.locator("#replies")).to_contain_text("4")
    await _no_sideways_scroll(page)

    # The survey comparison counts it as the SMS source of "Demandes techniques".
    await page.goto("/enquetes?year=2026")
    row = page.locator('tr[data-theme="technical_requests"][data-period="2026"]')
    await expect(row).to_contain_text("100,0 %")
    await expect(page.locator("figure.survey-chart rect.bar.sms")).to_have_count(1)
