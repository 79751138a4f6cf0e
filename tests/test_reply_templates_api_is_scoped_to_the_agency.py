"""The reply templates' JSON API: advisers read their agency's templates, managers create,
change and delete them, admins work on any agency by naming it; bad fields are refused in
French, naming the field, and change nothing."""

from __future__ import annotations

from sqlalchemy import select

from crm.inbox.models import ReplyTemplate
from tests.support.factories import NOW, api_user, login, make_agency, make_user

URL = "/api/v1/reply-templates"


async def _templates(db) -> list[ReplyTemplate]:
    async with db.session() as s:
        return list(await s.scalars(select(ReplyTemplate).order_by(ReplyTemplate.id)))


async def test_a_manager_creates_reads_changes_and_deletes_a_template(client, db, clock):
    manager = await make_user(db, "manager", "Blois")
    headers = await login(client, manager)
    resp = await client.post(URL, headers=headers, json={
        "title": "  Transmis au gardien ", "body": "Bonjour, c'est transmis au gardien. L'agence"})
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert created["title"] == "Transmis au gardien"  # spaces trimmed
    assert created["agency_id"] == manager.agency_id and created["created_by"] == manager.id
    assert created["created_at"] == clock.now().isoformat()

    one = await (await client.get(f"{URL}/{created['id']}", headers=headers)).json()
    assert one == created
    resp = await client.patch(f"{URL}/{created['id']}", headers=headers, json={"body": "Nouveau texte"})
    assert resp.status == 200
    assert (await resp.json())["body"] == "Nouveau texte"
    [stored] = await _templates(db)
    assert (stored.title, stored.body) == ("Transmis au gardien", "Nouveau texte")

    resp = await client.delete(f"{URL}/{created['id']}", headers=headers)
    assert resp.status == 204
    assert await _templates(db) == []
    resp = await client.get(f"{URL}/{created['id']}", headers=headers)
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "template_not_found"


async def test_advisers_list_their_agency_s_templates_but_cannot_change_them(client, db):
    manager = await login(client, await make_user(db, "manager", "Blois"))
    other = await login(client, await make_user(db, "manager", "Vendôme"))
    for title in ("B", "A", "C"):
        await client.post(URL, headers=manager, json={"title": title, "body": f"Texte {title}"})
    await client.post(URL, headers=other, json={"title": "Vendôme", "body": "Ailleurs"})

    adviser = await api_user(client, db, "adviser", "Blois")
    body = await (await client.get(URL, headers=adviser)).json()
    assert [t["title"] for t in body["items"]] == ["A", "B", "C"] and body["total"] == 3
    page2 = await (await client.get(f"{URL}?page=2&per_page=1", headers=adviser)).json()
    assert [t["title"] for t in page2["items"]] == ["B"] and page2["page"] == 2

    template_id = body["items"][0]["id"]
    for method, json in (("POST", {"title": "T", "body": "B"}), ("PATCH", {"title": "T"}),
                         ("DELETE", None)):
        path = URL if method == "POST" else f"{URL}/{template_id}"
        resp = await client.request(method, path, headers=adviser, json=json)
        assert resp.status == 403 and (await resp.json())["error"]["code"] == "role_forbidden"
    assert len(await _templates(db)) == 4


async def test_another_agency_s_template_is_out_of_reach(client, db):
    blois = await login(client, await make_user(db, "manager", "Blois"))
    vendome_manager = await make_user(db, "manager", "Vendôme")
    vendome = await login(client, vendome_manager)
    created = await (await client.post(URL, headers=blois, json={"title": "T", "body": "B"})).json()
    for method, json in (("GET", None), ("PATCH", {"title": "Volé"}), ("DELETE", None)):
        resp = await client.request(method, f"{URL}/{created['id']}", headers=vendome, json=json)
        assert resp.status == 403 and (await resp.json())["error"]["code"] == "agency_forbidden"
    resp = await client.post(URL, headers=vendome, json={"title": "T", "body": "B",
                                                         "agency_id": created["agency_id"]})
    assert resp.status == 403
    resp = await client.get(f"{URL}?agency={created['agency_id']}", headers=vendome)
    assert resp.status == 403
    assert [(t.title, t.agency_id) for t in await _templates(db)] == [("T", created["agency_id"])]


async def test_an_admin_names_the_agency_and_sees_every_agency(client, db):
    blois, vendome = await make_agency(db, "Blois"), await make_agency(db, "Vendôme")
    admin = await api_user(client, db, "admin", None)
    resp = await client.post(URL, headers=admin, json={"title": "T", "body": "B"})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["details"] == [{"field": "agency_id", "message": "Ce champ est obligatoire."}]
    for agency in (blois, vendome):
        resp = await client.post(URL, headers=admin, json={"title": agency.name, "body": "B",
                                                           "agency_id": agency.id})
        assert resp.status == 201
    everything = await (await client.get(URL, headers=admin)).json()
    assert {t["agency_id"] for t in everything["items"]} == {blois.id, vendome.id}
    only = await (await client.get(f"{URL}?agency={vendome.id}", headers=admin)).json()
    assert [t["title"] for t in only["items"]] == ["Vendôme"]


async def test_bad_fields_are_refused_in_french_naming_the_field(client, db):
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.post(URL, headers=headers, json={"title": "   ", "body": "x" * 1601, "couleur": 1})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "validation_error"
    assert {d["field"]: d["message"] for d in error["details"]} == {
        "title": "Ce champ est obligatoire.", "body": "Au plus 1600 caractères.",
        "couleur": "Ce champ n'est pas attendu."}
    created = await (await client.post(URL, headers=headers, json={"title": "T", "body": "B"})).json()
    resp = await client.patch(f"{URL}/{created['id']}", headers=headers, json={"title": "T" * 81})
    assert resp.status == 422
    assert (await resp.json())["error"]["details"] == [{"field": "title", "message": "Au plus 80 caractères."}]
    [stored] = await _templates(db)
    assert stored.title == "T"


async def test_an_agency_keeps_at_most_fifty_templates(client, db):
    manager = await make_user(db, "manager", "Blois")
    async with db.session() as s:
        s.add_all([ReplyTemplate(agency_id=manager.agency_id, title=f"T{i}", body="B", created_at=NOW)
                   for i in range(50)])
        await s.commit()
    headers = await login(client, manager)
    resp = await client.post(URL, headers=headers, json={"title": "De trop", "body": "B"})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "too_many_templates"
    assert len(await _templates(db)) == 50
