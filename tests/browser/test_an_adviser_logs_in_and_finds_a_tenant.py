"""An adviser logs in through the real form, finds a tenant by name on the tenants list
and opens the tenant's page — in Chromium, against the app on a real port."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.support.factories import make_lease


async def test_an_adviser_logs_in_searches_a_tenant_by_name_and_opens_their_page(logged_in_page, db):
    wanted = await make_lease(db, agency="Blois", first_name="Sandrine", last_name="Bouchard",
                              mobile="+33612345678")
    await make_lease(db, agency="Blois", first_name="Paul", last_name="Martinez",
                     mobile="+33698765432")
    page = await logged_in_page(role="adviser", agency="Blois")

    await page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Locataires").click()
    await expect(page).to_have_url(re.compile(r"/locataires(\?.*)?$"))
    search = page.get_by_role("search").get_by_label("Rechercher")
    await search.fill("Bouchard")
    await search.press("Enter")

    await expect(page).to_have_url(re.compile(r"[?&]q=Bouchard"))
    results = page.get_by_role("table")
    link = results.get_by_role("link", name=re.compile("Bouchard"))
    await expect(link).to_have_count(1)
    await expect(results).not_to_contain_text("Martinez")
    await link.click()

    await expect(page).to_have_url(re.compile(rf"/locataires/{wanted.tenant_id}$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Bouchard")
    phones = page.get_by_role("region", name="Téléphones")
    await expect(phones).to_contain_text("06 12 34 56 78")
