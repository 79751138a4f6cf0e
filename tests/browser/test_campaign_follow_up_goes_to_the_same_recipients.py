"""From a campaign's page, a manager reads what tenants received and sends a follow-up
("réparé") to the same recipients through the wizard — at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.support.campaigns import building_b, ids
from tests.support.factories import make_user, page_login


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_follow_up_reaches_the_same_recipients(logged_in_page, live_server, db, width, aiohttp_client):
    await building_b(db, 2)
    manager = await make_user(db, "manager", "Blois")
    client = await aiohttp_client(live_server.app)
    token = await page_login(client, manager)
    resp = await client.post("/api/v1/campaigns", headers={"X-CSRF-Token": token}, json={
        "name": "Chauffage B", "category": "outage", "audience": {"buildings": [(await ids(db, building="B"))["building"]]},
        "body": "Bonjour {{ last_name }}, le chauffage est coupé ce matin."})
    campaign_id = (await resp.json())["id"]
    await client.post(f"/api/v1/campaigns/{campaign_id}/launch", headers={"X-CSRF-Token": token})

    page = await logged_in_page(user=manager)
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto(f"/campagnes/{campaign_id}")
    await expect(page.locator("#sample-text")).to_contain_text("le chauffage est coupé ce matin")
    await page.get_by_role("link", name=re.compile("Envoyer une suite aux mêmes destinataires")).click()
    await expect(page.get_by_label(re.compile("Les 2 destinataires de « Chauffage B »"))).to_be_checked()
    await expect(page.locator("#audience-count")).to_contain_text("2 destinataires")
    await expect(page.get_by_label("Texte du SMS")).to_have_value(re.compile("le problème est réglé"))
    await page.get_by_role("button", name="Prévisualiser").click()
    await page.get_by_role("button", name="Envoyer à 2 destinataires").click()
    await expect(page).to_have_url(re.compile(r"/campagnes/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Suite : Chauffage B")
