"""In Chromium at 1280 and 390 px, without sideways scrolling: a login with blank fields
then a wrong password names and marks the field, an import of a picture says why on the
file field, and the campaigns list sorts by name (header links on a wide screen, the
"Trier par" choice on a phone) and pages with numbers."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.support.campaigns import add_listed_campaigns
from tests.support.factories import PASSWORD, make_user

WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def _fits(page, what: str) -> None:
    assert await page.evaluate(WIDER) <= 0, f"{what} scrolls sideways"


@pytest.mark.parametrize("width", [1280, 390])
async def test_login_import_and_campaign_list_at_both_widths(browser_page, db, clock, width):
    page = browser_page
    await page.set_viewport_size({"width": width, "height": 800})
    admin = await make_user(db, "admin", None)
    await add_listed_campaigns(db, clock.now())

    # Login: blank fields, then a wrong password; each field says what is wrong.
    await page.goto("/login")
    await page.get_by_role("button", name="Se connecter").click()
    email = page.get_by_label("Adresse e-mail")
    await expect(email).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#email-error")).to_have_text("Saisissez votre adresse e-mail.")
    await expect(page.locator("#password-error")).to_have_text("Saisissez votre mot de passe.")
    await _fits(page, "login with blank fields")

    await email.fill(admin.email)
    await page.get_by_label("Mot de passe").fill("pas-le-bon")
    await page.get_by_role("button", name="Se connecter").click()
    password = page.get_by_label("Mot de passe")
    await expect(password).to_have_attribute("aria-invalid", "true")
    await expect(password).to_have_accessible_description("Adresse e-mail ou mot de passe incorrect.")
    await expect(page.get_by_label("Adresse e-mail")).to_have_value(admin.email)
    await _fits(page, "login with a wrong password")

    await password.fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await page.get_by_role("button", name="Se déconnecter").wait_for()

    # Import: a picture is refused on the file field.
    await page.goto("/imports")
    await page.get_by_label("Fichier des locataires (CSV)").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
    await page.get_by_role("button", name="Importer").click()
    file_input = page.get_by_label("Fichier des locataires (CSV)")
    await expect(file_input).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#file-error")).to_contain_text("Fichier refusé : photo.png")
    await expect(page.locator("#file-error")).to_contain_text("n'est pas un fichier CSV")
    await _fits(page, "a refused import")

    # Campaigns: sorted by name, two per page, page numbers keep the order.
    await page.goto("/campagnes?per_page=2")
    if width >= 1280:
        await page.get_by_role("columnheader", name=re.compile("^Campagne")).get_by_role("link").click()
    else:
        await page.get_by_label("Trier par").select_option("name")
        await page.get_by_role("button", name="Trier").click()
    await expect(page).to_have_url(re.compile(r"sort=name"))
    names = page.locator("#campaigns tbody tr td:first-child a")
    await expect(names).to_have_text(["Alpha", "bravo"])
    await _fits(page, "the sorted campaigns list")
    await page.get_by_role("navigation", name="Pages").get_by_role("link", name="Page 3").click()
    await expect(page).to_have_url(re.compile(r"sort=name.*page=3|page=3.*sort=name"))
    await expect(names).to_have_text(["écho"])
    if width >= 1280:
        await expect(page.get_by_role("columnheader", name=re.compile("^Campagne"))).to_have_attribute(
            "aria-sort", "ascending")
    else:
        await expect(page.get_by_label("Trier par")).to_have_value("name")
    await _fits(page, "the third page of campaigns")
