"""POST /api/v1/imports/tenants: admins send the CSV as the body or as a multipart `file`
field and get the counts with line-numbered rejections and warnings; others get 403."""

import io

from aiohttp import FormData
from sqlalchemy import select

from crm.models import AuditEvent
from tests.support.factories import api_user, make_user
from tests.support.imports import SAMPLE, row, table_counts, write_csv


async def test_an_admin_imports_the_sample_sent_as_text_csv(client, db):
    headers = await api_user(client, db, "admin", None)

    resp = await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes(),
                             headers={**headers, "Content-Type": "text/csv"})

    assert resp.status == 200
    body = await resp.json()
    assert body["created"] == 6 and (body["updated"], body["unchanged"], body["ended"]) == (0, 0, 0)
    assert body["rejected"] == []
    assert [w["line"] for w in body["warnings"]] == [7]
    assert (await table_counts(db))["Lease"] == 6
    async with db.session() as s:
        audit = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "import_tenants"))).one()
    assert audit.user_id is not None and audit.details["created"] == 6


async def test_an_admin_imports_a_multipart_file_field_with_rejections(client, db, tmp_path):
    headers = await api_user(client, db, "admin", None)
    path = write_csv(tmp_path, [row("M-1"), row("M-2", start="31/02/2026")])
    form = FormData()
    form.add_field("file", path.read_bytes(), filename="locataires.csv", content_type="text/csv")

    resp = await client.post("/api/v1/imports/tenants", data=form, headers=headers)

    assert resp.status == 200
    body = await resp.json()
    assert body == {"created": 1, "updated": 0, "unchanged": 0, "ended": 0,
                    "rejected": [{"line": 3, "reason": "Date d'entrée impossible : « 31/02/2026 » n'existe pas."}],
                    "warnings": []}


async def test_the_same_file_twice_through_the_api_is_all_unchanged(client, db):
    headers = {**await api_user(client, db, "admin", None), "Content-Type": "text/csv"}
    await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes(), headers=headers)

    resp = await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes(), headers=headers)

    body = await resp.json()
    assert (body["created"], body["unchanged"]) == (0, 6)


async def test_a_manager_or_an_adviser_may_not_import(client, db):
    for role in ("manager", "adviser"):
        headers = await api_user(client, db, role, "Blois")
        resp = await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes(),
                                 headers={**headers, "Content-Type": "text/csv"})
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "role_forbidden"
    assert (await table_counts(db))["Lease"] == 0


async def test_a_multipart_body_without_a_file_field_is_422(client, db):
    headers = await api_user(client, db, "admin", None)
    form = FormData()
    form.add_field("other", io.BytesIO(b"x"), filename="x.csv")

    resp = await client.post("/api/v1/imports/tenants", data=form, headers=headers)

    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_file"


async def test_without_credentials_the_import_is_401(client, db):
    await make_user(db, "admin", None)
    resp = await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes())
    assert resp.status == 401
