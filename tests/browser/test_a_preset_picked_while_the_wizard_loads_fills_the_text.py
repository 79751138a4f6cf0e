"""A preset ticked before the wizard's script has run (a quick click while the page is
still loading on a slow line) still fills the SMS text, the category and "urgent" once it
runs; a text already written is never overwritten — in Chromium, at 1280 and 390 px."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect


async def _open_with_script_held(page, release: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    """The wizard opened with /static/campaigns.js held back until ``release``: the form is
    on screen, its listeners not yet attached."""

    async def hold(route):  # type: ignore[no-untyped-def]
        await release.wait()
        await route.continue_()

    await page.route("**/static/campaigns.js", hold)
    await page.goto("/campagnes/nouvelle", wait_until="commit")
    await expect(page.get_by_label("Ascenseur en panne")).to_be_visible()


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_preset_ticked_before_the_script_ran_fills_the_text(logged_in_page, width):
    page = await logged_in_page(role="manager", agency="Blois")
    await page.set_viewport_size({"width": width, "height": 800})
    release = asyncio.Event()
    await _open_with_script_held(page, release)

    await page.get_by_label("Ascenseur en panne").check()
    await expect(page.get_by_label("Texte du SMS")).to_have_value("")  # nothing ran yet
    release.set()

    await expect(page.get_by_label("Texte du SMS")).to_have_value(re.compile("ascenseur"))
    await expect(page.get_by_label(re.compile("Urgent"))).to_be_checked()
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_a_text_written_before_the_script_ran_is_kept(logged_in_page):
    page = await logged_in_page(role="manager", agency="Blois")
    release = asyncio.Event()
    await _open_with_script_held(page, release)

    await page.get_by_label("Texte du SMS").fill("Mon propre texte")
    await page.get_by_label("Rappel de loyer").check()
    release.set()

    await expect(page.get_by_label("Catégorie")).to_have_value("rent_reminder")  # the preset's
    await expect(page.get_by_label("Texte du SMS")).to_have_value("Mon propre texte")
