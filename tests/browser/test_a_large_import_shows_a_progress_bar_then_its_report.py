"""An admin uploads a large tenant file on /imports: the page goes at once to the job's
progress page (a <progress> bar the page's script refreshes from the job's status), which
turns into the line-numbered report when the job is done; at 1280 and 390 px, without
sideways scrolling and without any Content-Security-Policy violation."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import expect

from crm.tenants.import_jobs import ImportRunner
from tests.support.imports import row, table_counts, write_csv

WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1280, 390])
async def test_upload_progress_then_report(logged_in_page, db, settings, tmp_path, monkeypatch, width):
    settings.import_inline_max_bytes = 100  # this small file counts as large
    path = write_csv(tmp_path, [row("B-1"), row("B-2", start=""), row("B-3", mobile="06 12")],
                     name="export-bailleur.csv")
    go = asyncio.Event()  # the job waits until the test has seen its progress page
    original = ImportRunner.run

    async def held(self, job_id):
        await go.wait()
        await original(self, job_id)

    monkeypatch.setattr(ImportRunner, "run", held)
    page = await logged_in_page(role="admin", agency=None)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    await page.set_viewport_size({"width": width, "height": 800})

    await page.goto("/imports")
    await page.get_by_label("Fichier des locataires (CSV)").set_input_files(str(path))
    await page.get_by_role("button", name="Importer").click()

    await expect(page).to_have_url(re.compile(r"/imports/jobs/\d+$"))
    bar = page.locator("progress#import-progress")
    await expect(bar).to_be_visible()
    await expect(page.get_by_text("en attente")).to_be_visible()
    assert await page.evaluate(WIDER) <= 0
    go.set()

    await expect(page.get_by_text("Import terminé.")).to_be_visible()  # polled, then reloaded
    await expect(bar).to_have_count(0)
    await expect(page.locator("#count-created")).to_have_text("2")
    await expect(page.locator("#rejected")).to_contain_text("Date d'entrée absente.")
    await expect(page.locator("#warnings")).to_contain_text("06 12")
    assert await page.evaluate(WIDER) <= 0
    assert violations == []
    assert (await table_counts(db))["Lease"] == 2

    await page.goto("/imports")
    await page.get_by_role("link", name="export-bailleur.csv").click()
    await expect(page.locator("#count-created")).to_have_text("2")
