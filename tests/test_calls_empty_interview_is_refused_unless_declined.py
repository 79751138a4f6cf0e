"""An interview with every theme at "ne sait pas" is refused (422 naming ``answers``)
unless the adviser says the tenant declined; the page keeps what was typed."""

from sqlalchemy import select

from crm.calls.models import Interview, TaskStatus
from tests.support.calls import new_task, task_of
from tests.support.factories import api_user, make_user, page_login


async def test_the_api_refuses_an_empty_interview_naming_the_field(client, db):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/calls/{task.id}/interview", headers=headers,
                             json={"answers": {"cleanliness": None}, "summary": "RAS"})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "empty_interview" and error["details"][0]["field"] == "answers"
    assert (await task_of(db, task.id)).status == TaskStatus.OPEN


async def test_a_declined_interview_completes_the_task(client, db):
    task = await new_task(db)
    headers = await api_user(client, db, "adviser", "Blois")
    resp = await client.post(f"/api/v1/calls/{task.id}/interview", headers=headers,
                             json={"answers": {}, "declined": True, "summary": "Pas le temps."})
    assert resp.status == 200
    assert (await task_of(db, task.id)).status == TaskStatus.COMPLETED
    async with db.session() as s:
        assert (await s.scalars(select(Interview.declined))).one() is True


async def test_the_page_keeps_the_summary_and_marks_the_themes(client, db):
    task = await new_task(db)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post(f"/appels/{task.id}/entretien",
                             data={"csrf_token": csrf, "summary": "Locataire pressé"})
    assert resp.status == 422
    html = await resp.text()
    assert 'id="answers" class="themes" aria-invalid="true"' in html
    assert "Aucune réponse saisie" in html and "Locataire pressé" in html
