"""On the call sheet: scores typed with number keys, an empty interview refused unless the
tenant declined, and an outcome recorded by mistake undone within a minute — at 1280 and
390 px, without sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from crm.calls.models import CallAttempt, Interview, TaskStatus
from crm.models import AuditEvent
from tests.support.calls import new_task, task_of
from tests.support.factories import make_user


async def _no_sideways_scroll(page):
    assert await page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, 390])
async def test_scores_by_number_keys_and_an_empty_interview_is_refused(logged_in_page, db, width):
    task = await new_task(db, agency="Blois", first_name="Sandrine", last_name="Bouchard")
    page = await logged_in_page(user=await make_user(db, role="adviser", agency="Blois"))
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto(f"/appels/{task.id}")
    await _no_sideways_scroll(page)
    form = page.locator("#interview-form")

    await form.get_by_role("button", name="Enregistrer l'entretien").click()
    await expect(page.locator("#answers-error")).to_contain_text("Aucune réponse saisie")
    await expect(page.locator("#answers")).to_have_attribute("aria-invalid", "true")
    assert (await task_of(db, task.id)).status == TaskStatus.OPEN

    first = form.locator("fieldset.theme").first.locator("input").first
    await first.focus()
    await page.keyboard.press("4")
    await page.keyboard.press("3")
    await page.keyboard.press("0")
    themes = form.locator("fieldset.theme")
    await expect(themes.nth(0).locator('input[data-score="4"]')).to_be_checked()
    await expect(themes.nth(1).locator('input[data-score="3"]')).to_be_checked()
    await expect(themes.nth(2).locator('input[data-score="0"]')).to_be_checked()
    await expect(themes.nth(3).locator("input:checked")).to_be_focused()
    await form.get_by_role("button", name="Enregistrer l'entretien").click()
    await expect(page.get_by_role("status")).to_contain_text("Entretien de Mme Sandrine Bouchard enregistré")
    async with db.session() as s:
        interview = (await s.scalars(select(Interview))).one()
    assert list(interview.answers.values()).count(None) == len(interview.answers) - 2


async def test_a_declined_interview_is_accepted_without_scores(logged_in_page, db):
    task = await new_task(db, agency="Blois", last_name="Refus")
    page = await logged_in_page(user=await make_user(db, role="adviser", agency="Blois"))
    await page.goto(f"/appels/{task.id}")
    await page.get_by_label("Le locataire ne souhaite pas répondre aux questions").check()
    await page.get_by_role("button", name="Enregistrer l'entretien").click()
    await expect(page.get_by_role("status")).to_contain_text("enregistré")
    async with db.session() as s:
        assert (await s.scalars(select(Interview))).one().declined is True


@pytest.mark.parametrize("width", [1280, 390])
async def test_an_outcome_recorded_by_mistake_is_undone_and_the_audit_kept(logged_in_page, db, width):
    task = await new_task(db, agency="Blois", first_name="Sandrine", last_name="Bouchard")
    page = await logged_in_page(user=await make_user(db, role="adviser", agency="Blois"))
    await page.set_viewport_size({"width": width, "height": 900})
    await page.goto("/appels")
    await page.locator(f'tr[data-task-id="{task.id}"]').get_by_role("button", name="Refus").click()
    status = page.get_by_role("status")
    await expect(status).to_contain_text("« Refus » enregistré pour Mme Sandrine Bouchard")
    assert "message" not in page.url and "Refus" not in page.url
    assert (await task_of(db, task.id)).status == TaskStatus.REFUSED
    await _no_sideways_scroll(page)

    await status.get_by_role("button", name="Annuler").click()
    await expect(page.get_by_role("status")).to_contain_text("« Refus » annulé pour Mme Sandrine Bouchard")
    restored = await task_of(db, task.id)
    assert (restored.status, restored.attempts, restored.closed_at) == (TaskStatus.OPEN, 0, None)
    async with db.session() as s:
        assert (await s.scalars(select(CallAttempt))).all() == []
        actions = (await s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))).all()
    assert [a for a in actions if a.startswith("call_attempt")] == ["call_attempt", "call_attempt_undone"]
    await expect(page.locator(f'tr[data-task-id="{task.id}"]')).to_contain_text(re.compile("Bouchard"))
