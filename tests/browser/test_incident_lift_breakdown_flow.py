"""A manager declares a lift breakdown with the estate picker, previews and sends the notice,
a tenant answers "toujours en panne" (signed webhook) and it shows on the incident; four
working days later shopping delivery is due (navigation count); the manager resolves with
"service rétabli" and the downtime shows — in Chromium at 1280 and 390 px wide, without
sideways scrolling, the picker driven by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from crm.campaigns.dispatcher import dispatch_once
from crm.campaigns.models import OutboxMessage
from crm.incidents.jobs import incident_commitments
from tests.support.factories import make_user
from tests.support.incidents import building, paris
from tests.support.sms import http_settings, tenant_texts  # noqa: F401 (http_settings: a fixture)


@pytest.fixture
def settings(http_settings):  # a Twilio auth token, and a session cookie over plain http
    return http_settings




async def _no_sideways_scrolling(page, width: int) -> None:
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll} px wide in a {width} px window"


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_lift_breakdown_from_declaration_to_service_back(logged_in_page, live_server, db, clock, width):
    b = await building(db)
    clock.set(paris(2026, 3, 2, 10, 0))  # Monday
    manager = await make_user(db, role="manager", agency="Blois")
    page = await logged_in_page(user=manager)
    await page.set_viewport_size({"width": width, "height": 900})

    await page.goto("/incidents")
    await _no_sideways_scrolling(page, width)
    await page.get_by_role("link", name="Déclarer un incident").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer un incident")
    await page.get_by_label("Service interrompu").select_option("lift")
    await page.get_by_text("Les Provinces", exact=True).click()  # open the residence
    box = page.get_by_role("checkbox", name="Bâtiment B (Les Provinces)", exact=True)
    await box.focus()
    await page.keyboard.press("Space")
    await expect(box).to_be_checked()
    await _no_sideways_scrolling(page, width)
    await page.get_by_role("button", name="Déclarer l'incident").click()

    await expect(page.get_by_role("heading", level=1)).to_contain_text("Ascenseur en panne — Les Provinces, bâtiment B")
    await expect(page.locator("#etat")).to_have_text("En cours")
    await _no_sideways_scrolling(page, width)
    await page.get_by_role("link", name=re.compile("Prévenir les 4 foyers")).click()
    await expect(page.locator("#recipients")).to_have_text("4")
    await expect(page.locator("#cost")).to_contain_text("€")
    await _no_sideways_scrolling(page, width)
    await page.get_by_role("button", name=re.compile("Envoyer à 4 foyers")).click()
    await expect(page.get_by_role("status")).to_contain_text("Avis envoyé aux foyers.")

    assert await dispatch_once(live_server.app) == 4  # the outbox hands the SMS to the (local) provider
    await tenant_texts(live_server, "toujours en panne", b.by_floor("3").mobile)
    await page.reload()
    replies = page.locator("#replies")
    await expect(replies).to_contain_text("toujours en panne")
    await expect(replies).to_contain_text("Etage3B")

    clock.set(paris(2026, 3, 6, 9, 0))  # four working days later
    assert await incident_commitments(live_server.app) == 1
    page = await logged_in_page(user=manager)  # the session of Monday has expired
    await page.set_viewport_size({"width": width, "height": 900})
    nav = page.get_by_role("navigation", name="Navigation principale")
    await expect(nav.get_by_role("link", name=re.compile("Engagements"))).to_contain_text("1")
    await nav.get_by_role("link", name="Incidents").click()
    await page.get_by_role("link", name=re.compile("Ascenseur en panne")).click()
    commitments = page.locator("#commitments")
    await expect(commitments).to_contain_text("Portage de courses")
    await expect(commitments.locator("tr", has_text="Portage de courses")).to_contain_text("À tenir")
    await expect(commitments.locator("tr", has_text="Portage de courses")).to_contain_text("vendredi 06/03/2026")

    await expect(page.get_by_label("Prévenir les foyers : « service rétabli »")).to_be_checked()
    await page.get_by_role("button", name="Résoudre l'incident").click()
    await expect(page.locator("#etat")).to_have_text("Résolu")
    await expect(page.locator("#downtime")).to_contain_text("95 h")
    await _no_sideways_scrolling(page, width)
    async with db.session() as session:
        back = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.body.contains("service rétabli"))))
    assert len(back) == 4
