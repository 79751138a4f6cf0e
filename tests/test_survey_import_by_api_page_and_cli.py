"""The survey import through the API (admins), the admin page (multipart + CSRF) and
`python main.py import surveys FILE`."""

import asyncio
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from crm.surveys.imports import import_surveys_command
from crm.surveys.models import SurveyAnswer
from tests.support.factories import api_user, make_user, page_login
from tests.support.surveys import SAMPLE_SURVEY, add_agencies, survey_csv

GOOD = [["B", "2026-Q3", "R1", "Blois", "cleanliness", "4"],
        ["B", "2026-Q3", "R1", "Atlantide", "communication", "4"]]


async def _count(db):
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(SurveyAnswer))


async def test_an_admin_posts_the_csv_body_and_gets_the_line_numbered_report(client, db):
    await add_agencies(db, "Blois")
    headers = await api_user(client, db, "admin", None)
    resp = await client.post("/api/v1/imports/surveys", data=survey_csv(GOOD),
                             headers={**headers, "Content-Type": "text/csv"})
    assert resp.status == 200
    body = await resp.json()
    assert body["imported"] == 1
    assert body["rejected"] == [{"line": 3, "reason": body["rejected"][0]["reason"]}]
    assert "Atlantide" in body["rejected"][0]["reason"]
    assert await _count(db) == 1


async def test_the_api_takes_a_multipart_file_field_too(client, db):
    await add_agencies(db, "Blois", "Romorantin", "Vendôme")
    headers = await api_user(client, db, "admin", None)
    form = aiohttp.FormData()
    form.add_field("file", await asyncio.to_thread(Path(SAMPLE_SURVEY).read_bytes), filename="enquete.csv",
                   content_type="text/csv")
    resp = await client.post("/api/v1/imports/surveys", data=form, headers=headers)
    assert resp.status == 200
    assert (await resp.json())["imported"] == 240
    assert await _count(db) == 240


async def test_a_wrong_structure_is_a_422_and_nothing_is_written(client, db):
    await add_agencies(db, "Blois")
    headers = await api_user(client, db, "admin", None)
    data = survey_csv(GOOD, header=["Enquête", "Période", "Agence", "Thème", "Note", "X"])
    resp = await client.post("/api/v1/imports/surveys", data=data, headers=headers)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_file"
    assert error["details"][0]["field"] == "file"
    assert error["details"][1:] == [{"field": "file.columns.respondent_ref",
                                     "message": "Colonne obligatoire absente : « n° répondant »."}]
    assert await _count(db) == 0


async def test_managers_may_not_import(client, db):
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.post("/api/v1/imports/surveys", data=survey_csv(GOOD), headers=headers)
    assert resp.status == 403
    assert await _count(db) == 0


async def test_the_admin_page_uploads_a_file_and_shows_the_report(client, db):
    await add_agencies(db, "Blois")
    csrf = await page_login(client, await make_user(db, "admin", None))
    page = await (await client.get("/enquetes/import")).text()
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", survey_csv(GOOD), filename="enquete.csv", content_type="text/csv")
    resp = await client.post("/enquetes/import", data=form)
    assert resp.status == 200
    html = await resp.text()
    assert '<dd id="count-imported">1</dd>' in html
    assert '<dd id="count-rejected">1</dd>' in html
    assert "<td>3</td><td>Agence inconnue « Atlantide »" in html
    assert await _count(db) == 1


async def test_the_page_refuses_an_upload_without_the_csrf_token(client, db):
    await add_agencies(db, "Blois")
    await page_login(client, await make_user(db, "admin", None))
    form = aiohttp.FormData()
    form.add_field("file", survey_csv(GOOD), filename="enquete.csv", content_type="text/csv")
    resp = await client.post("/enquetes/import", data=form)
    assert resp.status == 403
    assert await _count(db) == 0


async def test_the_page_says_when_a_file_is_refused_whole(client, db):
    csrf = await page_login(client, await make_user(db, "admin", None))
    form = aiohttp.FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", b"\x89PNG\r\n\x1a\n\x00\x00", filename="photo.png", content_type="image/png")
    resp = await client.post("/enquetes/import", data=form)
    assert resp.status == 422
    assert "Fichier refusé : photo.png, rien n'a été importé" in await resp.text()


async def test_the_command_line_imports_and_prints_the_report(db, settings, tmp_path, capsys):
    await add_agencies(db, "Blois")
    path = tmp_path / "enquete.csv"
    path.write_bytes(survey_csv(GOOD))
    assert await import_surveys_command(settings, str(path)) == 0
    out = capsys.readouterr().out
    assert "Réponses importées : 1" in out
    assert "ligne 3 : Agence inconnue « Atlantide »" in out
    assert await _count(db) == 1
    path.write_bytes(b"pas;un;export\n1;2;3\n")
    assert await import_surveys_command(settings, str(path)) == 2
    assert "Colonnes obligatoires absentes" in capsys.readouterr().err
    assert await import_surveys_command(settings, str(tmp_path / "absent.csv")) == 2
