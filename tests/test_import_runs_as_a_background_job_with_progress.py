"""A tenant file larger than CRM_IMPORT_INLINE_MAX_BYTES (or sent with ?background=1) is
stored as a job and answered at once (API: 202 with the job's URL; page: a progress page);
the job imports it in the background, writes its progress after every batch and keeps the
line-numbered report; only the person who sent it sees it."""

from aiohttp import FormData
from sqlalchemy import func, select

from bench.import_tenants import generate
from crm.tenants.import_jobs import IMPORT_RUNNER, ImportRunner
from crm.tenants.imports.bulk import BATCH_SIZE
from crm.tenants.models import ImportJob, ImportJobFile
from tests.support.factories import api_user, csrf_from, make_user, page_login
from tests.support.imports import (
    SAMPLE,
    finish_import_jobs,
    import_job,
    row,
    table_counts,
    write_csv,
)


def _form(csrf: str, content: bytes, filename: str = "locataires.csv") -> FormData:
    form = FormData()
    form.add_field("csrf_token", csrf)
    form.add_field("file", content, filename=filename, content_type="text/csv")
    return form


async def _job_files(db) -> int:
    async with db.session() as s:
        return await s.scalar(select(func.count()).select_from(ImportJobFile))


async def test_a_large_file_sent_to_the_api_answers_202_then_the_job_holds_the_report(
        client, app, db, settings, tmp_path):
    settings.import_inline_max_bytes = 100
    headers = await api_user(client, db, "admin", None)
    content = write_csv(tmp_path, [row("J-1"), row("J-2", start="31/02/2026"),
                                   row("J-3", mobile="06 12 34 56")]).read_bytes()

    resp = await client.post("/api/v1/imports/tenants", data=content,
                             headers={**headers, "Content-Type": "text/csv"})

    assert resp.status == 202
    job = await resp.json()
    assert job["status"] == "queued" and job["bytes_total"] == len(content)
    assert resp.headers["Location"] == job["url"] == f"/api/v1/imports/jobs/{job['id']}"
    await finish_import_jobs(app)
    status = await (await client.get(job["url"], headers=headers)).json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["report"] == {
        "created": 2, "updated": 0, "unchanged": 0, "ended": 0,
        "rejected": [{"line": 3, "reason": "Date d'entrée impossible : « 31/02/2026 » n'existe pas."}],
        "warnings": [{"line": 4, "reason": "Téléphone portable « 06 12 34 56 » ignoré : un numéro "
                                           "français a 10 chiffres, celui-ci en a 8."}]}
    assert (await table_counts(db))["Lease"] == 2
    assert await _job_files(db) == 0  # the upload is deleted once imported


async def test_background_is_chosen_explicitly_with_a_query_parameter(client, app, db, settings):
    headers = {**await api_user(client, db, "admin", None), "Content-Type": "text/csv"}

    forced = await client.post("/api/v1/imports/tenants?background=1", data=SAMPLE.read_bytes(),
                               headers=headers)
    assert forced.status == 202
    await finish_import_jobs(app)
    settings.import_inline_max_bytes = 100
    inline = await client.post("/api/v1/imports/tenants?background=0", data=SAMPLE.read_bytes(),
                               headers=headers)
    assert inline.status == 200 and (await inline.json())["unchanged"] == 6
    wrong = await client.post("/api/v1/imports/tenants?background=peut-etre", data=SAMPLE.read_bytes(),
                              headers=headers)
    assert wrong.status == 422
    assert (await wrong.json())["error"]["details"][0]["field"] == "background"


async def test_a_file_with_a_wrong_structure_is_refused_at_once_without_a_job(client, db, settings):
    settings.import_inline_max_bytes = 10
    headers = await api_user(client, db, "admin", None)

    resp = await client.post("/api/v1/imports/tenants", data=b"nom;prenom\nDurand;Claire\n" * 5,
                             headers={**headers, "Content-Type": "text/csv"})

    assert resp.status == 422
    assert "Colonnes obligatoires absentes" in (await resp.json())["error"]["message"]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ImportJob)) == 0


async def test_the_page_redirects_to_a_progress_bar_then_shows_the_line_numbered_report(
        client, app, db, settings, tmp_path):
    settings.import_inline_max_bytes = 100
    csrf = await page_login(client, await make_user(db, "admin", None), landing="/imports")
    content = write_csv(tmp_path, [row("P-1"), row("P-2", start="")]).read_bytes()

    resp = await client.post("/imports", data=_form(csrf, content, "gros-export.csv"),
                             allow_redirects=False)

    assert resp.status == 303
    page_url = resp.headers["Location"]
    waiting = await (await client.get(page_url)).text()
    assert '<progress id="import-progress"' in waiting and 'src="/static/import_progress.js"' in waiting
    assert "gros-export.csv" in waiting
    await finish_import_jobs(app)
    done = await (await client.get(page_url)).text()
    assert "<progress" not in done and "Import terminé." in done
    assert '<dd id="count-created">1</dd>' in done
    assert "<td>3</td><td>Date d&#39;entrée absente.</td>" in done
    listing = await (await client.get("/imports")).text()
    assert f'href="{page_url}"' in listing and "terminé" in listing
    assert csrf_from(listing)


async def test_progress_is_written_after_every_batch(app, db, tmp_path, monkeypatch):
    path = tmp_path / "export.csv"
    rows = 2 * BATCH_SIZE + BATCH_SIZE // 2  # three batches
    generate(path, rows)
    admin = await make_user(db, "admin", None)
    seen: list[int] = []
    original = ImportRunner._set

    async def recording(self, job_id, **values):
        if "bytes_done" in values:
            seen.append(values["bytes_done"])
        await original(self, job_id, **values)

    monkeypatch.setattr(ImportRunner, "_set", recording)
    with path.open("rb") as upload:
        job = await app[IMPORT_RUNNER].submit(upload, filename="export.csv", user_id=admin.id,
                                              agency_id=None)
    await finish_import_jobs(app)

    size = path.stat().st_size
    assert len(seen) == 3 and seen == sorted(seen) and seen[0] < size / 2 and seen[-1] == size
    stored = await import_job(db, job.id)
    assert stored.status == "done" and stored.report["created"] == rows
    assert stored.started_at is not None and stored.finished_at is not None


async def test_another_admin_does_not_see_someone_elses_import(client, app, db, settings):
    settings.import_inline_max_bytes = 100
    owner = await api_user(client, db, "admin", None)
    resp = await client.post("/api/v1/imports/tenants", data=SAMPLE.read_bytes(),
                             headers={**owner, "Content-Type": "text/csv"})
    job = await resp.json()
    await finish_import_jobs(app)
    other = await make_user(db, "admin", None, email="autre.admin@example.fr")

    from tests.support.factories import login
    other_headers = await login(client, other)
    assert (await client.get(job["url"], headers=other_headers)).status == 404
    assert (await client.get(job["url"], headers=owner)).status == 200
    await page_login(client, other, landing="/imports")
    assert (await client.get(job["page"])).status == 404
    assert (await client.get("/imports/jobs/abc")).status == 404
