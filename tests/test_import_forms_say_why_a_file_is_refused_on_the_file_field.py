"""Both import pages (tenants, survey answers) say why a file is refused on the file field
itself, in French: no file chosen, an empty file, a workbook or another extension, an
unreadable encoding, missing columns. The field is aria-invalid and described by its
.field-error paragraph; nothing is imported."""

from __future__ import annotations

import re

import aiohttp
import pytest

from tests.support.factories import make_user, page_login
from tests.support.imports import csv_bytes, table_counts

PAGES = {"tenants": "/imports", "surveys": "/enquetes/import"}
NOTHING = object()  # the browser's part for a file input left empty: filename=""

CASES = [
    ("no file", NOTHING, "", "Aucun fichier reçu : choisissez le fichier CSV"),
    ("empty", b"", "vide.csv", "Le fichier est vide."),
    ("workbook", b"PK\x03\x04" + b"\x00" * 40, "export.xlsx",
     "« export.xlsx » est un classeur (.xlsx) : enregistrez-le au format « CSV"),
    ("extension", b"Nom;Contrat\nMartin;1\n", "photo.png",
     "« photo.png » n&#39;est pas un fichier CSV (extension .png)"),
    # Neither UTF-8 nor Windows-1252 (0x81 is undefined there).
    ("encoding", b"Nom;Contrat\n\x81\x8d\x8f;1\n", "export.csv", "CSV lisible (encodage inconnu)"),
    ("columns", csv_bytes([["Martin"]], header=["Nom"]), "export.csv", "obligatoires absentes"),
]


def _form(csrf: str, content: object, filename: str) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf)
    if content is NOTHING:
        form.add_field("file", b"", filename="", content_type="application/octet-stream")
    else:
        form.add_field("file", content, filename=filename, content_type="text/csv")
    return form


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize(("case", "content", "filename", "message"), CASES, ids=[c[0] for c in CASES])
async def test_a_refused_file_is_explained_and_marked_on_the_file_field(
        client, db, page, case, content, filename, message):
    csrf = await page_login(client, await make_user(db, "admin", None))

    resp = await client.post(PAGES[page], data=_form(csrf, content, filename))

    html = await resp.text()
    assert resp.status == 422
    file_input = re.search(r'<input id="file"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'aria-invalid="true"' in file_input
    assert 'aria-describedby="file-error file-help"' in file_input
    error = re.search(r'<p class="field-error" role="alert" id="file-error">(.*?)</p>', html, re.S)
    assert error, "no field error under the file input"
    assert "rien n&#39;a été importé" in error.group(1) or "rien n'a été importé" in error.group(1)
    assert message in error.group(1)
    if filename:
        assert f"Fichier refusé : {filename}" in error.group(1)
    assert (await table_counts(db))["Lease"] == 0


@pytest.mark.parametrize("page", list(PAGES))
async def test_the_blank_form_marks_nothing(client, db, page):
    await page_login(client, await make_user(db, "admin", None))

    html = await (await client.get(PAGES[page])).text()

    assert 'aria-invalid' not in html and 'id="file-error"' not in html
    assert 'aria-describedby="file-help"' in html
