"""The interview: themes on the 4-point scale with "ne sait pas", a summary whose sentiment
is scored, a warning for health details or insults, follow-ups listed per agency and on the
tenant page."""

from sqlalchemy import select

from crm.calls.models import FollowUp, Interview, TaskStatus
from crm.themes import THEMES
from tests.support.calls import attempts_of, new_task, task_of
from tests.support.factories import api_user

ANSWERS = {"move_in": 4, "cleanliness": 2, "dwelling_equipment": None, "communication": 3}


async def _reached(client, db, headers):
    task = await new_task(db)
    await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "reached"}, headers=headers)
    return task


async def test_posting_the_interview_completes_the_task_and_opens_follow_ups(client, db, clock):
    headers = await api_user(client, db)
    task = await _reached(client, db, headers)
    resp = await client.post(f"/api/v1/calls/{task.id}/interview", headers=headers, json={
        "answers": ANSWERS,
        "summary": "Toujours pas d'eau chaude depuis l'entrée, la locataire est mécontente.",
        "follow_ups": [{"kind": "technical", "category": "Chauffage / eau chaude",
                        "description": "Ballon d'eau chaude en panne"}],
    })
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["status"] == TaskStatus.COMPLETED
    assert body["summary_sentiment"] == "negative"
    assert -1 <= body["summary_sentiment_score"] < 0
    assert [f["category"] for f in body["follow_ups"]] == ["Chauffage / eau chaude"]
    async with db.session() as s:
        interview = await s.scalar(select(Interview).where(Interview.task_id == task.id))
        follow_up = await s.scalar(select(FollowUp))
    assert set(interview.answers) == set(THEMES)
    assert interview.answers["move_in"] == 4 and interview.answers["living_conditions"] is None
    assert follow_up.tenant_id == task.tenant_id and follow_up.status == "open"
    assert (await task_of(db, task.id)).closed_at == clock.now()

    listed = await (await client.get("/api/v1/follow-ups", headers=headers)).json()
    assert [i["id"] for i in listed["items"]] == [follow_up.id]
    resp = await client.post(f"/api/v1/follow-ups/{follow_up.id}/status", json={"status": "done"}, headers=headers)
    assert (await resp.json())["status"] == "done"
    assert (await (await client.get("/api/v1/follow-ups?status=pending", headers=headers)).json())["total"] == 0

    again = await client.post(f"/api/v1/calls/{task.id}/interview", headers=headers, json={"answers": {}})
    assert again.status == 409


async def test_a_summary_with_health_details_is_refused_once_then_saved_when_confirmed(client, db):
    headers = await api_user(client, db)
    task = await _reached(client, db, headers)
    body = {"answers": {"move_in": 3}, "summary": "Monsieur a été hospitalisé, logement correct."}
    resp = await client.post(f"/api/v1/calls/{task.id}/interview", json=body, headers=headers)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "sensitive_note" and error["details"]["words"] == ["hospitalisé"]
    assert (await task_of(db, task.id)).status == TaskStatus.REACHED

    resp = await client.post(f"/api/v1/calls/{task.id}/interview", json={**body, "confirm_sensitive": True}, headers=headers)
    assert resp.status == 200
    assert (await task_of(db, task.id)).status == TaskStatus.COMPLETED


async def test_scores_outside_the_scale_and_unknown_themes_are_422(client, db):
    headers = await api_user(client, db)
    task = await _reached(client, db, headers)
    for answers in ({"move_in": 5}, {"parking": 3}):
        resp = await client.post(f"/api/v1/calls/{task.id}/interview", json={"answers": answers}, headers=headers)
        assert resp.status == 422
    assert (await task_of(db, task.id)).status == TaskStatus.REACHED


async def test_an_interview_on_an_open_task_records_the_reached_call(client, db):
    headers = await api_user(client, db)
    task = await new_task(db)
    resp = await client.post(f"/api/v1/calls/{task.id}/interview", json={"answers": {"move_in": 4}, "summary": "Très contente du logement, merci."}, headers=headers)
    assert (await resp.json())["summary_sentiment"] == "positive"
    assert [a.outcome for a in await attempts_of(db, task.id)] == ["reached"]


async def test_follow_ups_of_another_agency_are_not_listed_nor_changeable(client, db):
    blois = await api_user(client, db, "adviser", "Blois")
    task = await _reached(client, db, blois)
    await client.post(f"/api/v1/calls/{task.id}/interview", headers=blois, json={
        "answers": {}, "follow_ups": [{"kind": "administrative", "category": "Loyer / APL", "description": "Dossier APL"}]})
    vendome = await api_user(client, db, "adviser", "Vendôme")
    assert (await (await client.get("/api/v1/follow-ups", headers=vendome)).json())["total"] == 0
    async with db.session() as s:
        fid = await s.scalar(select(FollowUp.id))
    resp = await client.post(f"/api/v1/follow-ups/{fid}/status", json={"status": "done"}, headers=vendome)
    assert resp.status == 403
