"""Reply templates: a manager writes them for the agency, its advisers pick one in the
conversation; another agency neither sees nor deletes them."""

from sqlalchemy import select

from crm.inbox.models import InboundMessage, ReplyTemplate
from tests.support.factories import NOW, make_lease, make_user, page_login


async def _message(db):
    lease = await make_lease(db, mobile="+33611000001")
    async with db.session() as s:
        m = InboundMessage(provider_sid="SM" + "1" * 32, from_e164="+33611000001", body="Bonjour ?",
                           received_at=NOW, tenant_id=lease.tenant_id, agency_id=lease.agency_id,
                           intent="question")
        s.add(m)
        await s.commit()
        return m


async def test_a_manager_adds_a_template_and_advisers_pick_it(client, db):
    message = await _message(db)
    csrf = await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.post("/messages/modeles", allow_redirects=False, data={
        "csrf_token": csrf, "title": "Transmis au gardien",
        "body": "Bonjour, votre demande est transmise au gardien. L'agence"})
    assert resp.status == 302
    assert "Modèle « Transmis au gardien » ajouté." in await (await client.get(resp.headers["Location"])).text()
    await page_login(client, await make_user(db, "adviser", "Blois"))
    html = await (await client.get(f"/messages/{message.id}")).text()
    assert 'data-body="Bonjour, votre demande est transmise au gardien. L&#39;agence">Transmis au gardien</option>' in html
    assert "/static/inbox.js" in html
    assert (await client.get("/messages/modeles", allow_redirects=False)).status == 403


async def test_a_blank_template_is_refused_naming_the_field(client, db):
    csrf = await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.post("/messages/modeles", data={"csrf_token": csrf, "title": "", "body": "Texte"})
    assert resp.status == 422
    html = await resp.text()
    assert 'id="title" name="title" maxlength="80" required value="" aria-invalid="true"' in html
    async with db.session() as s:
        assert (await s.scalars(select(ReplyTemplate))).all() == []


async def test_another_agency_cannot_delete_a_template(client, db):
    await make_lease(db, agency="Blois")
    csrf = await page_login(client, await make_user(db, "manager", "Blois"))
    await client.post("/messages/modeles", data={"csrf_token": csrf, "title": "T", "body": "B"})
    async with db.session() as s:
        template = (await s.scalars(select(ReplyTemplate))).one()
    other = await page_login(client, await make_user(db, "manager", "Vendôme"))
    assert "T</td>" not in await (await client.get("/messages/modeles")).text()
    resp = await client.post(f"/messages/modeles/{template.id}/supprimer", data={"csrf_token": other})
    assert resp.status == 403
    async with db.session() as s:
        assert (await s.scalars(select(ReplyTemplate))).one().id == template.id
