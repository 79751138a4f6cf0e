"""An outcome recorded by mistake is undone by its adviser within a minute: the task is as
before (a "faux numéro" number works again), the attempt is gone, the audit keeps both."""

from sqlalchemy import select

from crm.calls.models import TaskStatus
from crm.models import AuditEvent, Phone
from tests.support.calls import attempts_of, new_task, task_of
from tests.support.factories import make_user, page_login


async def _record(client, csrf, task_id, outcome, **extra):
    resp = await client.post(f"/appels/{task_id}/issue", allow_redirects=False,
                             data={"csrf_token": csrf, "outcome": outcome, **extra})
    assert resp.status == 302
    return resp


async def _undo(client, csrf, task_id, attempt_id):
    return await client.post(f"/appels/{task_id}/annuler-essai", allow_redirects=False,
                             data={"csrf_token": csrf, "attempt": str(attempt_id), "from": "sheet"})


async def test_a_no_answer_undone_gives_the_task_back_as_it_was(client, db, clock):
    task = await new_task(db, last_name="Martin")
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    await _record(client, csrf, task.id, "no_answer")
    assert (await task_of(db, task.id)).next_attempt_at is not None
    [attempt] = await attempts_of(db, task.id)
    clock.advance(seconds=50)
    resp = await _undo(client, csrf, task.id, attempt.id)
    assert resp.headers["Location"] == f"/appels/{task.id}"
    page = await (await client.get(f"/appels/{task.id}")).text()
    assert "« Pas de réponse » annulé pour Mme Sandrine Martin" in page
    after = await task_of(db, task.id)
    assert (after.status, after.attempts, after.next_attempt_at, after.last_outcome) == (
        TaskStatus.OPEN, 0, None, None)
    assert await attempts_of(db, task.id) == []
    async with db.session() as s:
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action.like("call_attempt%"))
                                  .order_by(AuditEvent.id))).all()
    assert [e.action for e in events] == ["call_attempt", "call_attempt_undone"]
    assert events[1].details["outcome"] == "no_answer"


async def test_a_wrong_number_undone_makes_the_number_valid_again(client, db):
    task = await new_task(db, last_name="Martin")
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    await _record(client, csrf, task.id, "wrong_number")
    assert (await task_of(db, task.id)).status == TaskStatus.WRONG_NUMBER
    [attempt] = await attempts_of(db, task.id)
    await _undo(client, csrf, task.id, attempt.id)
    assert (await task_of(db, task.id)).status == TaskStatus.OPEN
    async with db.session() as s:
        assert all((await s.scalars(select(Phone.valid).where(Phone.tenant_id == task.tenant_id))).all())


async def test_after_a_minute_nothing_is_undone(client, db, clock):
    task = await new_task(db)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    await _record(client, csrf, task.id, "refused")
    [attempt] = await attempts_of(db, task.id)
    clock.advance(seconds=61)
    await _undo(client, csrf, task.id, attempt.id)
    assert "Trop tard pour annuler" in await (await client.get(f"/appels/{task.id}")).text()
    assert (await task_of(db, task.id)).status == TaskStatus.REFUSED
    assert len(await attempts_of(db, task.id)) == 1


async def test_another_adviser_cannot_undo_my_attempt(client, db, aiohttp_client, app):
    task = await new_task(db)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    await _record(client, csrf, task.id, "refused")
    [attempt] = await attempts_of(db, task.id)
    other = await aiohttp_client(app)
    other_csrf = await page_login(other, await make_user(db, "adviser", "Blois"))
    await _undo(other, other_csrf, task.id, attempt.id)
    assert (await task_of(db, task.id)).status == TaskStatus.REFUSED
