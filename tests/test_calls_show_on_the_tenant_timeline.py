"""Calls, interviews and follow-ups appear on the tenant's timeline (API and page)."""

from crm.scheduler import jobs
from tests.support.calls import new_task
from tests.support.factories import api_user


async def test_attempts_interview_and_follow_up_are_on_the_timeline(client, db):
    task = await new_task(db)
    headers = await api_user(client, db)
    await client.post(f"/api/v1/calls/{task.id}/attempts", json={"outcome": "no_answer"}, headers=headers)
    await client.post(f"/api/v1/calls/{task.id}/interview", headers=headers, json={
        "answers": {"move_in": 4}, "summary": "Logement agréable, merci.",
        "follow_ups": [{"kind": "administrative", "category": "Charges", "description": "Explication des charges"}]})
    detail = await (await client.get(f"/api/v1/tenants/{task.tenant_id}", headers=headers)).json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds.count("call_attempt") == 2  # no answer, then reached
    assert "interview" in kinds and "follow_up" in kinds
    titles = " | ".join(e["title"] for e in detail["timeline"])
    assert "Appel de courtoisie : pas de réponse" in titles and "Suivi administratif : Charges" in titles


def test_the_scheduler_runs_the_call_jobs():
    names = {job.name for job in jobs()}
    assert {"create_call_tasks", "expire_call_tasks"} <= names
