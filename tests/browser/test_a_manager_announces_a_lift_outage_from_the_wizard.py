"""A manager texts every tenant of one building about a lift outage from the wizard, sees
who cannot be reached by SMS and watches the messages go — in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import expect
from sqlalchemy import select

from crm.campaigns.dispatcher import dispatch_once
from crm.sms.models import LocalSms
from tests.support.factories import make_lease


async def test_a_manager_announces_a_lift_outage_to_one_building(logged_in_page, live_server, db):
    for i in range(3):
        await make_lease(db, building="B", entrance="1", mobile=f"+3361100000{i}", last_name=f"Martin{i}")
    await make_lease(db, building="B", entrance="2", mobile=None, landline="+33254111111",
                     last_name="Fixe")
    await make_lease(db, building="C", mobile="+33622222222", last_name="Ailleurs")
    page = await logged_in_page(role="manager", agency="Blois")

    await page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Campagnes SMS").click()
    await page.get_by_role("link", name="Nouvelle campagne").click()
    await expect(page).to_have_url(re.compile(r"/campagnes/nouvelle$"))

    await page.get_by_label("Ascenseur en panne").check()
    await expect(page.get_by_label("Texte du SMS")).to_have_value(re.compile("ascenseur"))
    await expect(page.get_by_label(re.compile("Urgent"))).to_be_checked()
    await page.get_by_text("Les Provinces", exact=True).click()  # opens the residence
    await page.get_by_label("Bâtiment B").check()
    count = page.locator("#audience-count")
    await expect(count).to_contain_text("3 destinataires")
    await expect(count).to_contain_text("1 sans mobile")
    await expect(page.get_by_label("Nom de la campagne")).to_have_value(re.compile("immeuble B"))
    await expect(page.locator("#body-counter")).to_contain_text("GSM-7")

    await page.get_by_role("button", name="Prévisualiser").click()
    samples = page.locator("#samples li")
    await expect(samples).to_have_count(3)
    await expect(samples.first).to_contain_text("Bonjour Mme Martin0, l'ascenseur de l'immeuble B")
    await page.get_by_role("button", name="Envoyer à 3 destinataires").click()

    await expect(page).to_have_url(re.compile(r"/campagnes/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Ascenseur en panne")
    unreachable = page.get_by_role("region", name=re.compile("Non joignables par SMS"))
    await expect(unreachable).to_contain_text("Mme Sandrine Fixe")
    await expect(unreachable).to_contain_text("02 54 11 11 11")
    await expect(page.locator("[data-count=pending]")).to_have_text("3")

    assert await dispatch_once(live_server.app) == 3
    # The page polls the campaign and shows the messages handed over without a reload.
    await expect(page.locator("[data-count=sent]")).to_have_text("3", timeout=15_000)
    await expect(page.locator("[data-count=pending]")).to_have_text("0")
    async with db.session() as s:
        assert sorted((await s.scalars(select(LocalSms.to))).all()) == [
            "+33611000000", "+33611000001", "+33611000002"]


async def test_the_pages_counter_counts_like_the_server(logged_in_page):
    from crm.sms.encoding import analyse, make_gsm_friendly

    texts = ["Bonjour", "é" * 160, "é" * 161, "€" * 80, "€" * 81, "L’eau", "a" * 70 + "’",
             "Coupure d'eau «demain»\u00a0!", "🙂" * 35, "🙂" * 36, "x" * 1530 + "{[]}"]
    page = await logged_in_page(role="manager", agency="Blois")
    await page.goto("/campagnes/nouvelle")
    got = await page.evaluate(
        "texts => texts.map(t => { const a = window.crmSms.analyse(t);"
        " return [a.encoding, a.units, a.segments, a.ucs2, window.crmSms.gsmFriendly(t)]; })", texts)
    expected = [[a.encoding, a.units, a.segments, a.ucs2_characters, make_gsm_friendly(t)]
                for t, a in ((t, analyse(t)) for t in texts)]
    assert got == expected


async def test_above_500_recipients_the_manager_types_the_number_to_launch(logged_in_page, db):
    from tests.support.campaigns import bulk_building

    await bulk_building(db, 501, building="Tour")
    page = await logged_in_page(role="manager", agency="Blois")
    await page.goto("/campagnes/nouvelle")
    await page.get_by_label("Coupure d'eau").check()
    await page.get_by_text("Les Provinces", exact=True).click()
    await page.get_by_label("Bâtiment Tour").check()
    await expect(page.locator("#audience-count")).to_contain_text("501 destinataires")
    await page.get_by_label(re.compile("^Date")).fill("mardi 24")
    await page.get_by_label(re.compile("^Heure de début")).fill("9h")
    await page.get_by_label(re.compile("^Heure de fin")).fill("12h")
    await page.get_by_role("button", name="Prévisualiser").click()
    await expect(page.locator("#samples li").first).to_contain_text("le mardi 24 de 9h à 12h")

    confirm = page.get_by_label(re.compile("tapez le nombre de destinataires"))
    await confirm.fill("500")
    await page.get_by_role("button", name="Envoyer à 501 destinataires").click()
    await expect(page.locator("#wizard-status")).to_contain_text("Tapez le nombre exact")
    await expect(page).to_have_url(re.compile(r"/campagnes/nouvelle$"))
    await confirm.fill("501")
    await page.get_by_role("button", name="Envoyer à 501 destinataires").click()
    await expect(page).to_have_url(re.compile(r"/campagnes/\d+$"))
    await expect(page.locator("[data-count=pending]")).to_have_text("501")
