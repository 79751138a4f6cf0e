"""Wording: advisers by name (not e-mail) in the call history and the queue, an agency
column in the admin's queue, "distribué" for a delivered SMS, a progress bar with x / n,
and the "time of the callback" request shown as a request, not a success."""

from sqlalchemy import update

from crm.campaigns.labels import OUTBOX_STATUS_LABELS
from crm.models import User
from tests.support.calls import new_task
from tests.support.factories import make_user, page_login


async def _named(db, role, agency, name):
    user = await make_user(db, role, agency)
    async with db.session() as s:
        await s.execute(update(User).where(User.id == user.id).values(full_name=name))
        await s.commit()
    return user


async def test_the_call_history_names_the_adviser(client, db):
    task = await new_task(db)
    csrf = await page_login(client, await _named(db, "adviser", "Blois", "Julie Moreau"))
    await client.post(f"/appels/{task.id}/issue", data={"csrf_token": csrf, "outcome": "no_answer"})
    sheet = await (await client.get(f"/appels/{task.id}")).text()
    assert "<td>Julie Moreau</td>" in sheet and "@example.fr</td>" not in sheet


async def test_the_admins_queue_has_an_agency_column(client, db):
    await new_task(db, agency="Blois", last_name="Bleu")
    await new_task(db, agency="Vendôme", last_name="Vert", mobile="+33622222222")
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get("/appels")).text()
    assert '<th scope="col">Agence</th>' in html
    assert '<td class="agency">Blois</td>' in html and '<td class="agency">Vendôme</td>' in html
    await page_login(client, await make_user(db, "adviser", "Blois"))
    assert '<th scope="col">Agence</th>' not in await (await client.get("/appels")).text()


def test_a_delivered_sms_reads_distribue():
    assert OUTBOX_STATUS_LABELS["delivered"] == "distribué"


async def test_asking_for_the_callback_time_is_a_warning_not_a_success(client, db):
    task = await new_task(db)
    csrf = await page_login(client, await make_user(db, "adviser", "Blois"))
    resp = await client.post(f"/appels/{task.id}/issue", allow_redirects=False,
                             data={"csrf_token": csrf, "outcome": "callback_requested"})
    assert resp.headers["Location"] == f"/appels/{task.id}"
    sheet = await (await client.get(resp.headers["Location"])).text()
    assert '<div class="flash warn" role="alert" id="flash">' in sheet
    assert "Indiquez l&#39;heure du rappel demandé." in sheet
    assert 'id="callback_at" name="callback_at" type="datetime-local"' in sheet and 'autofocus aria-invalid="true"' in sheet
