"""Browser fixtures: the real app on a real port, Debian's Chromium driven by Playwright.

Everything in tests/browser is marked ``browser``. Without /usr/bin/chromium the tests are
skipped (locally) or fail (when the CI variable is set, so a broken CI image cannot pass).
On failure the page is saved under ``screenshots/`` (gitignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from crm.db import Database
from crm.models import User
from tests.support.factories import PASSWORD, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Short enough that a wrong selector fails in seconds, long enough for a loaded machine.
DEFAULT_TIMEOUT_MS = 10_000
_HERE = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report so fixtures can tell, at teardown, whether the test failed.
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _failed(node: pytest.Item) -> bool:
    reports = node.stash.get(_REPORTS, {})
    return any(r.failed for r in reports.values())


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class LiveServer:
    """The app served on 127.0.0.1: ``url`` has no trailing slash."""

    url: str
    app: web.Application
    db: Database


@pytest.fixture
async def live_server(aiohttp_server, app: web.Application, db: Database) -> LiveServer:  # type: ignore[no-untyped-def]
    """The suite's ``app`` (settings, db, clock fixtures) on a real port."""
    server = await aiohttp_server(app, host="127.0.0.1")
    return LiveServer(url=str(server.make_url("")).rstrip("/"), app=app, db=db)


@pytest.fixture
async def browser_page(live_server: LiveServer, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fresh Chromium page whose relative URLs go to ``live_server``."""
    _require_chromium()
    from playwright.async_api import async_playwright

    pw = await async_playwright().start()
    browser = None
    try:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(
            base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris"
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = await context.new_page()
        yield page
        if _failed(request.node):
            await _screenshot(page, request)
        await context.close()
    finally:
        if browser is not None:
            await browser.close()
        await pw.stop()


async def _screenshot(page: Any, request: pytest.FixtureRequest) -> None:
    folder = Path(request.config.rootpath) / "screenshots"
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-150:]
    try:
        await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    except Exception as exc:  # a closed or crashed page must not hide the real failure
        print(f"screenshot failed: {exc}")


LoginAs = Callable[..., Awaitable[Any]]


@pytest.fixture
def logged_in_page(browser_page: Any, db: Database) -> LoginAs:
    """``page = await logged_in_page(role="adviser", agency="Blois")`` (or ``user=...``):
    creates the user if none is given and logs in through the real /login form."""

    async def login_as(role: str = "adviser", agency: str | None = "Blois",
                       user: User | None = None) -> Any:
        if user is None:
            user = await make_user(db, role=role, agency=agency)
        page = browser_page
        await page.goto("/login")
        await page.get_by_label("Adresse e-mail").fill(user.email)
        await page.get_by_label("Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        # The logout button only shows to a logged-in user.
        await page.get_by_role("button", name="Se déconnecter").wait_for()
        return page

    return login_as
