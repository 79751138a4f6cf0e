"""The pages: "Appels du jour" with one click per outcome, the call sheet with the interview
form and its sensitive-note warning, follow-ups, the KPI page with its chart and CSV, the
tenant page panel."""

import re
from datetime import date

from sqlalchemy import select

from crm.calls.models import FollowUp, TaskStatus
from tests.support.calls import attempts_of, new_task, page_login, task_of
from tests.support.factories import make_user


async def test_the_queue_page_records_an_outcome_in_one_click(client, db, clock):
    task = await new_task(db, last_name="Martin")
    user = await make_user(db, "adviser", "Blois")
    csrf = await page_login(client, user)
    html = await (await client.get("/appels")).text()
    assert "Martin" in html and "06 12 34 56 78" in html
    assert 'data-key="1"' in html and "/static/calls.js" in html

    resp = await client.post(f"/appels/{task.id}/issue", data={"csrf_token": csrf, "outcome": "no_answer"},
                             allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"].startswith("/appels?message=")
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Pas de réponse enregistré" in page and "17/11/2026 à 13:30" in page
    assert [a.outcome for a in await attempts_of(db, task.id)] == ["no_answer"]

    # Without the CSRF token nothing is recorded.
    resp = await client.post(f"/appels/{task.id}/issue", data={"outcome": "refused"}, allow_redirects=False)
    assert resp.status == 403
    assert len(await attempts_of(db, task.id)) == 1


async def test_reached_opens_the_interview_form_which_warns_before_saving_health_details(client, db):
    task = await new_task(db, last_name="Durand")
    user = await make_user(db, "adviser", "Blois")
    csrf = await page_login(client, user)
    resp = await client.post(f"/appels/{task.id}/issue", data={"csrf_token": csrf, "outcome": "reached"},
                             allow_redirects=False)
    assert resp.headers["Location"] == f"/appels/{task.id}#entretien"
    sheet = await (await client.get(f"/appels/{task.id}")).text()
    assert "Entretien" in sheet and 'name="answer_move_in"' in sheet and "Ne sait pas" in sheet

    form = {"csrf_token": csrf, "answer_move_in": "4", "answer_cleanliness": "2",
            "summary": "Madame souffre d'une dépression, logement propre.",
            "fu_kind_0": "technical", "fu_category_0": "Plomberie", "fu_description_0": "Fuite sous l'évier"}
    resp = await client.post(f"/appels/{task.id}/entretien", data=form, allow_redirects=False)
    assert resp.status == 422
    warning = await resp.text()
    assert "dépression" in warning and 'name="confirm_sensitive"' in warning
    assert "Fuite sous l&#39;évier" in warning  # what was typed is kept
    assert (await task_of(db, task.id)).status == TaskStatus.REACHED

    resp = await client.post(f"/appels/{task.id}/entretien", data={**form, "confirm_sensitive": "1"},
                             allow_redirects=False)
    assert resp.status == 302
    assert (await task_of(db, task.id)).status == TaskStatus.COMPLETED

    suivis = await (await client.get("/suivis")).text()
    assert "Fuite sous l&#39;évier" in suivis and "Durand" in suivis
    async with db.session() as s:
        fid = await s.scalar(select(FollowUp.id))
    resp = await client.post(f"/suivis/{fid}", data={"csrf_token": csrf, "status": "in_progress"}, allow_redirects=False)
    assert resp.status == 302
    async with db.session() as s:
        assert (await s.get(FollowUp, fid)).status == "in_progress"

    tenant_page = await (await client.get(f"/locataires/{task.tenant_id}")).text()
    assert "Appels de courtoisie et suivis" in tenant_page and "Plomberie" in tenant_page


async def test_a_second_adviser_sees_who_holds_the_call(client, db, aiohttp_client, app):
    task = await new_task(db)
    alice = await make_user(db, "adviser", "Blois", email="alice@example.fr")
    csrf = await page_login(client, alice)
    resp = await client.post(f"/appels/{task.id}/prendre", data={"csrf_token": csrf}, allow_redirects=False)
    assert resp.status == 302
    other = await aiohttp_client(app)
    bob_csrf = await page_login(other, await make_user(db, "adviser", "Blois"))
    sheet = await (await other.get(f"/appels/{task.id}")).text()
    assert "alice@example.fr appelle ce locataire" in sheet
    resp = await other.post(f"/appels/{task.id}/issue", data={"csrf_token": bob_csrf, "outcome": "no_answer"},
                            allow_redirects=False)
    assert "erreur=" in resp.headers["Location"]
    assert await attempts_of(db, task.id) == []


async def test_the_kpi_page_shows_denominators_targets_chart_and_csv_link(client, db):
    task = await new_task(db, lease_start=date(2026, 11, 3))
    manager = await make_user(db, "manager", "Blois")
    await page_login(client, manager)
    html = await (await client.get("/indicateurs?from=2026-11-01&to=2026-11-30")).text()
    assert "0 / 1" in html and "objectif 95 %" in html and "objectif 60 %" in html
    assert "<svg" in html and "2026-11" in html
    link = re.search(r'href="(/indicateurs\.csv\?[^"]+)"', html).group(1).replace("&amp;", "&")
    resp = await client.get(link)
    assert resp.status == 200 and (await resp.read()).startswith("\ufeff".encode())
    assert task.id


async def test_an_adviser_cannot_open_the_kpi_page(client, db):
    await page_login(client, await make_user(db, "adviser", "Blois"))
    assert (await client.get("/indicateurs")).status == 403
