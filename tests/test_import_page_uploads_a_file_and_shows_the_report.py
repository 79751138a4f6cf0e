"""The /imports page: an admin uploads the file through a labelled form (with its CSRF token)
and the same page shows the French, line-numbered report."""

from aiohttp import FormData

from tests.support.factories import make_user
from tests.support.imports import SAMPLE, csrf_from, page_login, row, table_counts, write_csv


def _form(csrf: str | None, content: bytes, filename: str = "locataires.csv") -> FormData:
    form = FormData()
    if csrf is not None:
        form.add_field("csrf_token", csrf)
    form.add_field("file", content, filename=filename, content_type="text/csv")
    return form


async def test_the_page_shows_a_labelled_upload_form(client, db):
    await page_login(client, await make_user(db, "admin", None))

    resp = await client.get("/imports")

    html = await resp.text()
    assert resp.status == 200
    assert 'enctype="multipart/form-data"' in html
    assert '<label for="file">' in html and 'id="file" name="file" type="file"' in html
    assert csrf_from(html)
    assert 'href="/imports"' in html  # in the navigation


async def test_uploading_the_sample_shows_the_report_with_line_numbers(client, db, tmp_path):
    await page_login(client, await make_user(db, "admin", None))
    csrf = csrf_from(await (await client.get("/imports")).text())
    # The sample ends with a line break: a blank line 8, then a row without its date, line 9.
    content = SAMPLE.read_bytes() + ("\r\n" + ";".join(["X-1", "M.", "Sans", "Date"] + [""] * 17)).encode()

    resp = await client.post("/imports", data=_form(csrf, content, "export.csv"))

    html = await resp.text()
    assert resp.status == 200
    assert "Compte rendu : export.csv" in html
    assert '<dd id="count-created">6</dd>' in html
    assert '<dd id="count-rejected">1</dd>' in html
    assert '<dd id="count-warnings">1</dd>' in html
    assert "<td>9</td><td>Date d&#39;entrée absente.</td>" in html
    assert "<td>7</td><td>Téléphone portable « 07 00 00 00 0 » ignoré" in html
    assert (await table_counts(db))["Lease"] == 6


async def test_a_refused_file_is_explained_on_the_page_and_nothing_is_imported(client, db):
    await page_login(client, await make_user(db, "admin", None))
    csrf = csrf_from(await (await client.get("/imports")).text())

    resp = await client.post("/imports", data=_form(csrf, b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.png"))

    html = await resp.text()
    assert resp.status == 422
    assert "Fichier refusé : photo.png" in html
    assert "n&#39;est pas un fichier CSV" in html and 'role="alert"' in html
    assert (await table_counts(db))["Lease"] == 0


async def test_an_upload_without_the_csrf_token_is_refused(client, db, tmp_path):
    await page_login(client, await make_user(db, "admin", None))
    content = write_csv(tmp_path, [row("C-1")]).read_bytes()

    resp = await client.post("/imports", data=_form(None, content))

    assert resp.status == 403
    assert (await table_counts(db))["Lease"] == 0


async def test_a_manager_cannot_open_the_import_page(client, db):
    await page_login(client, await make_user(db, "manager", "Blois"))

    resp = await client.get("/imports")

    assert resp.status == 403
    assert "Accès refusé" in await resp.text()
