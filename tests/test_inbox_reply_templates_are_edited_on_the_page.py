"""A manager changes a reply template's title and text from the templates page; a blank
field changes nothing and the message names it; another agency's manager cannot."""

from __future__ import annotations

from sqlalchemy import select

from crm.inbox.models import ReplyTemplate
from tests.support.factories import make_lease, make_user, page_login


async def _template(client, db) -> tuple[str, ReplyTemplate]:
    await make_lease(db, agency="Blois")
    csrf = await page_login(client, await make_user(db, "manager", "Blois"))
    await client.post("/messages/modeles", data={"csrf_token": csrf, "title": "Gardien",
                                                 "body": "Transmis au gardien."})
    async with db.session() as s:
        return csrf, (await s.scalars(select(ReplyTemplate))).one()


async def test_a_manager_edits_a_template(client, db):
    csrf, template = await _template(client, db)
    page = await (await client.get("/messages/modeles")).text()
    assert f'action="/messages/modeles/{template.id}/modifier"' in page and 'value="Gardien"' in page

    resp = await client.post(f"/messages/modeles/{template.id}/modifier", allow_redirects=False, data={
        "csrf_token": csrf, "title": "Gardien prévenu", "body": "Votre demande est transmise au gardien."})

    assert resp.status == 302
    assert "Modèle « Gardien prévenu » modifié." in await (await client.get(resp.headers["Location"])).text()
    async with db.session() as s:
        saved = (await s.scalars(select(ReplyTemplate))).one()
    assert (saved.title, saved.body) == ("Gardien prévenu", "Votre demande est transmise au gardien.")


async def test_a_blank_text_changes_nothing_and_names_the_field(client, db):
    csrf, template = await _template(client, db)

    resp = await client.post(f"/messages/modeles/{template.id}/modifier", data={
        "csrf_token": csrf, "title": "Gardien", "body": "   "})

    html = await resp.text()
    assert "non modifié — Texte du SMS : Un texte de 1 à 1600 caractères." in html
    assert f'id="body-{template.id}"' in html and 'aria-invalid="true" aria-describedby="flash"' in html
    assert '<details class="template-edit" open>' in html
    async with db.session() as s:
        assert (await s.scalars(select(ReplyTemplate))).one().body == "Transmis au gardien."


async def test_another_agency_cannot_edit_it(client, db):
    _, template = await _template(client, db)
    other = await page_login(client, await make_user(db, "manager", "Vendôme"))

    resp = await client.post(f"/messages/modeles/{template.id}/modifier", data={
        "csrf_token": other, "title": "Intrus", "body": "Bonjour"})

    assert resp.status == 403
    async with db.session() as s:
        assert (await s.scalars(select(ReplyTemplate))).one().title == "Gardien"
