"""The import endpoints' 422 names the field like every API error: details are field paths
with French messages — ``file`` for the file as a whole, then ``file.columns.<column>`` for
each missing required column — whether the CSV is the body or a multipart ``file``."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.factories import api_user
from tests.support.imports import csv_bytes

ENDPOINTS = ["/api/v1/imports/tenants", "/api/v1/imports/surveys"]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_missing_columns_are_field_paths_with_french_messages(client, db, path):
    headers = await api_user(client, db, "admin", None)

    resp = await client.post(path, data=csv_bytes([["Martin", "2026-Q3"]], header=["Nom", "Période"]),
                             headers={**headers, "Content-Type": "text/csv"})

    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_file"
    first, *columns = error["details"]
    assert first == {"field": "file", "message": error["message"]}
    assert all(d["field"].startswith("file.columns.") for d in columns)
    by_field = {d["field"]: d["message"] for d in columns}
    if path.endswith("tenants"):
        assert by_field["file.columns.residence"] == "Colonne obligatoire absente : « résidence »."
        assert "file.columns.last_name" not in by_field
    else:
        assert by_field["file.columns.respondent_ref"] == "Colonne obligatoire absente : « n° répondant »."
        assert "file.columns.period" not in by_field


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"", "vide.csv", "Le fichier est vide."),
    (b"Nom;Contrat\n", "photo.png", "« photo.png » n'est pas un fichier CSV (extension .png)"),
])
async def test_a_refused_file_is_named_as_the_file_field(client, db, path, content, filename, message):
    headers = await api_user(client, db, "admin", None)
    form = aiohttp.FormData()
    form.add_field("file", content, filename=filename, content_type="text/csv")

    resp = await client.post(path, data=form, headers=headers)

    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_file"
    assert error["details"] == [{"field": "file", "message": error["message"]}]
    assert message in error["message"]


@pytest.mark.parametrize("path", ENDPOINTS)
async def test_a_multipart_body_without_the_file_field_names_it(client, db, path):
    headers = await api_user(client, db, "admin", None)
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("autre", "x")

    resp = await client.post(path, data=form, headers=headers)

    assert resp.status == 422
    details = (await resp.json())["error"]["details"]
    assert details[0]["field"] == "file" and details[0]["message"].startswith("Aucun fichier reçu")

