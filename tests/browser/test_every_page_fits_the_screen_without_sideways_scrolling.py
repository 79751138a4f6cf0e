"""Every page, as an admin and as an adviser, fits a 390 px phone and a 1280 px screen
without sideways scrolling (tables become cards on phones): the test fails naming each page
whose document is wider than the window."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm.inbox.models import InboundMessage
from tests.support.factories import make_user
from tests.support.imports import finished_import_job
from tests.support.security import two_agencies

PAGES = {
    "admin": ["/ce-matin", "/appels", "/appels/{task}", "/demandes", "/messages", "/messages/{msg}",
              "/campagnes", "/campagnes/nouvelle", "/campagnes/{sent}", "/campagnes/{draft}",
              "/locataires", "/locataires/{tenant}", "/indicateurs", "/enquetes", "/enquetes/rapport",
              "/enquetes/import", "/sms-simulation", "/imports", "/imports/jobs/{job}", "/incidents",
              "/messages/modeles"],
    "adviser": ["/appels", "/appels/{task}", "/demandes", "/messages", "/messages/{msg}", "/locataires",
                "/locataires/{tenant}", "/sms-simulation", "/incidents"],
}

WIDER = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("role", ["admin", "adviser"])
async def test_no_page_scrolls_sideways(logged_in_page, db, clock, role, width):
    blois, _ = await two_agencies(db)
    user = await make_user(db, role=role, agency=None if role == "admin" else "Blois")
    ids = {"task": blois.task, "msg": blois.inbound, "sent": blois.sent, "draft": blois.draft,
           "tenant": blois.tenant, "job": await finished_import_job(db, user.id, clock.now())}
    await _still_broken(db, blois.sent, 2)  # the outage banners show on the campaign and the inbox
    page = await logged_in_page(user=user)
    await page.set_viewport_size({"width": width, "height": 800})
    too_wide = {}
    for template in PAGES[role]:
        path = template.format(**ids)
        resp = await page.goto(path)
        assert resp is not None and resp.status == 200, f"{path}: {resp and resp.status}"
        await page.wait_for_load_state("networkidle")
        extra = await page.evaluate(WIDER)
        if extra > 0:
            too_wide[path] = extra
    assert too_wide == {}, f"pages wider than {width} px (extra px): {too_wide}"
    if role == "admin":
        await page.goto(f"/campagnes/{blois.sent}")
        banner = page.locator("#persists-link")
        assert await banner.is_visible()
        assert await banner.inner_text() == "2 locataires signalent que le problème continue"


async def _still_broken(db, campaign_id: int, replies: int) -> None:
    async with db.session() as s:
        s.add_all([InboundMessage(provider_sid=f"SMstill{i}", from_e164=f"+3361234560{i}", body="toujours en panne",
                                  received_at=datetime(2026, 11, 24, 10, tzinfo=UTC), campaign_id=campaign_id,
                                  intent="problem_persists", decided_by="test") for i in range(replies)])
        await s.commit()


async def test_the_check_fails_on_a_page_that_is_too_wide(logged_in_page, db):
    """The measure itself works: a 600 px-wide element at 390 px is caught."""
    page = await logged_in_page(role="adviser", agency="Blois")
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto("/appels")
    await page.evaluate("document.querySelector('main').append(Object.assign("
                        "document.createElement('div'), {style: 'width:600px;height:1px'}))")
    assert await page.evaluate(WIDER) > 0


