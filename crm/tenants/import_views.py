"""Imports: the landlord's tenant file, uploaded through the API or the /imports page.

A 100,000-row export is about 25 MB: the body is spooled to a temporary file (memory first,
disk past a few MB) and the import streams from it, so it is never held in memory twice.

A file up to ``CRM_IMPORT_INLINE_MAX_BYTES`` is imported within the request (API.md's
``200`` with the report). A larger one becomes a background job (``import_jobs.py``): the
API answers ``202`` with the job (``Location``: its status URL), the page redirects to the
job's progress page, which shows the report when the job is done. ``?background=1`` (or
``0``) on the API chooses explicitly.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

from aiohttp import web
from sqlalchemy import select

from crm import auth
from crm.csvfile import check_filename
from crm.errors import Invalid, NotFound
from crm.keys import CLOCK, DB, SETTINGS
from crm.tenants.import_jobs import IMPORT_RUNNER, job_as_dict
from crm.tenants.imports import ImportFileError, ImportReport, check_structure, import_tenants
from crm.tenants.models import ImportJob, ImportJobStatus
from crm.web.jsonutil import json_response
from crm.web.middlewares import principal
from crm.web.render import render

SPOOL_IN_MEMORY = 4 * 1024 * 1024
CHUNK = 256 * 1024
# Same ceiling as the app's client_max_size, which a streamed body does not go through.
MAX_FILE = 200 * 1024 * 1024
RECENT_JOBS = 5  # listed on the /imports page


@asynccontextmanager
async def _uploaded_file(request: web.Request) -> AsyncIterator[IO[bytes]]:
    """The uploaded CSV as a seekable binary file: multipart field ``file`` or the raw body."""
    if request.content_type == "multipart/form-data":
        # aiohttp spools file parts itself (and the CSRF check may already have read the form).
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise ImportFileError("Aucun fichier reçu : choisissez le fichier CSV des locataires.")
        check_filename(upload.filename)
        upload.file.seek(0)
        yield upload.file
        return
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spooled:
        size = 0
        while chunk := await request.content.read(CHUNK):
            size += len(chunk)
            if size > MAX_FILE:
                raise web.HTTPRequestEntityTooLarge(max_size=MAX_FILE, actual_size=size)
            spooled.write(chunk)
        spooled.seek(0)
        yield spooled


def _size(upload: IO[bytes]) -> int:
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def _in_background(request: web.Request, upload: IO[bytes]) -> bool:
    """``?background=1|0`` when given, else whether the file is too large for one request."""
    asked = request.query.get("background")
    if asked is not None:
        if asked.lower() in ("1", "true", "oui"):
            return True
        if asked.lower() in ("0", "false", "non"):
            return False
        raise Invalid("Paramètre « background » invalide : 1 (tâche de fond) ou 0 (immédiat).",
                      code="invalid_parameter",
                      details=[{"field": "background", "message": "Valeur attendue : 1 ou 0."}])
    return _size(upload) > request.app[SETTINGS].import_inline_max_bytes


async def _run(request: web.Request, upload: IO[bytes]) -> ImportReport:
    return await import_tenants(
        request.app[DB], upload, clock=request.app[CLOCK], user_id=principal(request).user_id,
        tz=request.app[SETTINGS].tz,
    )


async def _submit(request: web.Request, upload: IO[bytes], filename: str | None) -> ImportJob:
    """A background job for the upload, once its structure is known to be right (a wrong file
    is refused at once, as an inline import would)."""
    check_structure(upload)
    p = principal(request)
    return await request.app[IMPORT_RUNNER].submit(upload, filename=filename, user_id=p.user_id,
                                                   agency_id=p.agency_id)


@auth.admins
async def api_import_tenants(request: web.Request) -> web.Response:
    """Import the landlord's tenant file (CSV).

    Body: the CSV itself (text/csv) or a multipart form with a ``file`` field. Answers the
    counts and the rejected rows and warnings with their line numbers; a file whose
    structure is wrong is refused whole (422 `invalid_file`, nothing imported); `details`
    names the field: `[{field: "file", message}]`, then one `file.columns.<column>` per
    missing required column. A file larger than ``CRM_IMPORT_INLINE_MAX_BYTES`` (or
    ``?background=1``) runs as a background job: ``202`` with the job, its status at ``url``
    (also the ``Location`` header).
    """
    try:
        async with _uploaded_file(request) as upload:
            if _in_background(request, upload):
                job = await _submit(request, upload, await _filename(request))
                body = job_as_dict(job)
                return json_response(body, status=202, headers={"Location": body["url"]})
            report = await _run(request, upload)
    except ImportFileError as exc:
        raise Invalid(str(exc), code="invalid_file", details=exc.details()) from None
    return json_response(report.as_dict())


async def _filename(request: web.Request) -> str | None:
    """The uploaded file's name (multipart only; aiohttp keeps the form it already read)."""
    if request.content_type != "multipart/form-data":
        return None
    upload = (await request.post()).get("file")
    return upload.filename if isinstance(upload, web.FileField) else None


async def _own_job(request: web.Request) -> ImportJob:
    """The job of the URL, when it is the caller's: nobody sees another person's imports."""
    async with request.app[DB].session() as session:
        job = await session.get(ImportJob, int(request.match_info["id"]))
    if job is None or job.user_id != principal(request).user_id:
        raise NotFound("Import introuvable.")
    return job


@auth.admins
async def api_import_job(request: web.Request) -> web.Response:
    """A background import: status, progress and, once done, the report.

    ``status``: queued, running, done or failed (``error`` says why, in French); ``percent``
    of the file read for the rows already committed; ``report`` as the synchronous import
    answers it. Only the person who sent the file sees it.
    """
    return json_response(job_as_dict(await _own_job(request)))


async def _recent_jobs(request: web.Request) -> list[ImportJob]:
    async with request.app[DB].session() as session:
        return list((await session.scalars(
            select(ImportJob).where(ImportJob.user_id == principal(request).user_id)
            .order_by(ImportJob.id.desc()).limit(RECENT_JOBS))).all())


async def _page(request: web.Request, report: ImportReport | None = None, error: str | None = None,
                filename: str | None = None) -> dict[str, Any]:
    return {"report": report, "error": error, "filename": filename,
            "jobs": await _recent_jobs(request), "labels": ImportJobStatus.LABELS}


@auth.admins
async def import_page(request: web.Request) -> web.Response:
    return await render("imports.html", request, await _page(request))


@auth.admins
async def import_submit(request: web.Request) -> web.Response:
    filename = await _filename(request)
    try:
        async with _uploaded_file(request) as upload:
            if _size(upload) > request.app[SETTINGS].import_inline_max_bytes:
                job = await _submit(request, upload, filename)
                raise web.HTTPSeeOther(f"/imports/jobs/{job.id}")
            report = await _run(request, upload)
    except ImportFileError as exc:
        return await render("imports.html", request,
                            await _page(request, error=str(exc), filename=filename), status=422)
    return await render("imports.html", request, await _page(request, report=report, filename=filename))


@auth.admins
async def import_job_page(request: web.Request) -> web.Response:
    job = await _own_job(request)
    return await render("import_job.html", request, {
        "job": job, "state": job_as_dict(job), "labels": ImportJobStatus.LABELS,
        "finished": job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)})


API_ROUTES = [
    ("POST", "/api/v1/imports/tenants", api_import_tenants, "api_import_tenants"),
    ("GET", "/api/v1/imports/jobs/{id:\\d+}", api_import_job, "api_import_job"),
]
PAGE_ROUTES = [
    ("GET", "/imports", import_page, "imports"),
    ("POST", "/imports", import_submit, "import_submit"),
    ("GET", "/imports/jobs/{id:\\d+}", import_job_page, "import_job"),
]
