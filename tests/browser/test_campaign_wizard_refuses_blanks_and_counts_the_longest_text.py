"""In the wizard, a blank value is marked on its field and nothing can be sent; the counter
under the text counts the longest rendering exactly as the preview does, names the
placeholder a UCS-2 character comes from, and offers to write values without accents."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.support.campaigns import set_agency_phone
from tests.support.factories import make_lease


async def test_a_blank_date_is_marked_and_the_campaign_cannot_be_sent(logged_in_page, db):
    for i in range(2):
        await make_lease(db, building="B", mobile=f"+3361100000{i}", last_name=f"Martin{i}")
    await set_agency_phone(db, "Blois", "+33254000000")
    page = await logged_in_page(role="manager", agency="Blois")
    await page.goto("/campagnes/nouvelle")
    await page.get_by_label("Coupure d'eau").check()
    await page.get_by_text("Les Provinces", exact=True).click()
    await page.get_by_label("Bâtiment B").check()
    await page.get_by_label(re.compile("^Heure de début")).fill("9h")
    await page.get_by_label(re.compile("^Heure de fin")).fill("12h")
    await page.get_by_role("button", name="Prévisualiser").click()

    date = page.get_by_label(re.compile("^Date"))
    await expect(date).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#wizard-status")).to_contain_text("Date")
    await expect(page.locator(".field-error").first).to_contain_text("Valeur obligatoire")
    await expect(page.locator("#launch-box")).to_be_hidden()

    await date.fill("mardi 24")
    await page.get_by_role("button", name="Prévisualiser").click()
    await expect(page.locator("#samples li").first).to_contain_text("le mardi 24 de 9h à 12h")
    await expect(date).not_to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_role("button", name="Envoyer à 2 destinataires")).to_be_visible()


async def test_an_unnamed_campaign_is_refused_naming_the_field_in_french(logged_in_page, db):
    await make_lease(db, building="B", mobile="+33611000000")
    page = await logged_in_page(role="manager", agency="Blois")
    await page.goto("/campagnes/nouvelle")
    await page.get_by_label("Message libre").check()
    await page.get_by_text("Les Provinces", exact=True).click()
    await page.get_by_label("Bâtiment B").check()
    await page.get_by_label("Texte du SMS").fill("Bonjour, réunion des locataires jeudi.")
    await page.get_by_label("Nom de la campagne").fill("")
    await page.get_by_role("button", name="Prévisualiser").click()
    await expect(page.get_by_label("Nom de la campagne")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#wizard-status")).to_contain_text("Nom de la campagne")
    await expect(page.locator(".field-error")).to_have_text("Ce champ est obligatoire.")


async def test_the_counter_agrees_with_the_preview_and_names_the_residence(logged_in_page, db):
    await make_lease(db, residence="La Chênaie", building="A", mobile="+33611000001", last_name="Martin")
    await make_lease(db, residence="La Chênaie", building="A", mobile="+33611000002",
                     last_name="Dupont-Lagrange-Fontenay")
    page = await logged_in_page(role="manager", agency="Blois")
    await page.goto("/campagnes/nouvelle")
    await page.get_by_label("Message libre").check()
    await page.get_by_label("Texte du SMS").fill(
        "Bonjour {{ last_name }}, la chaudiere de {{ residence }} est reparee. Merci de votre patience.")
    counter = page.locator("#body-counter")
    await expect(counter).to_contain_text("GSM-7")  # the text alone is plain...
    await page.get_by_text("La Chênaie", exact=True).click()
    await page.get_by_label("Toute la résidence").check()
    # ...the rendered one is not, because of the residence's name.
    await expect(counter).to_have_attribute("data-encoding", "UCS-2", timeout=15_000)
    await expect(counter).to_contain_text("« ê » vient de {{ residence }} (« La Chênaie »)")
    segments = await counter.get_attribute("data-segments")

    await page.get_by_role("button", name="Prévisualiser").click()
    facts = page.locator("#preview dl.facts")
    await expect(facts).to_contain_text("UCS-2")
    await expect(facts.locator("dt:has-text('Segments par destinataire') + dd")).to_have_text(segments)
    await expect(counter).to_have_attribute("data-segments", segments)

    plain = page.get_by_label(re.compile("sans les accents absents du GSM-7"))
    await expect(plain).to_be_visible()
    await plain.check()
    await expect(counter).to_have_attribute("data-encoding", "GSM-7", timeout=15_000)
    await page.get_by_role("button", name="Prévisualiser").click()
    await expect(page.locator("#samples li").first).to_contain_text("La Chenaie")
    await expect(facts.locator("dt:has-text('Segments par destinataire') + dd")).to_have_text(
        await counter.get_attribute("data-segments"))
