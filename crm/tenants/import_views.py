"""Imports: the landlord's tenant file, uploaded through the API or the /imports page.

A 100,000-row export is about 25 MB: the body is spooled to a temporary file (memory first,
disk past a few MB) and the import streams from it, so it is never held in memory twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import IO, Any

from aiohttp import web

from crm import auth
from crm.csvfile import check_filename
from crm.errors import Invalid
from crm.keys import CLOCK, DB, SETTINGS
from crm.tenants.imports import ImportFileError, ImportReport, import_tenants
from crm.web.jsonutil import json_response
from crm.web.middlewares import principal
from crm.web.render import render

SPOOL_IN_MEMORY = 4 * 1024 * 1024
CHUNK = 256 * 1024
# Same ceiling as the app's client_max_size, which a streamed body does not go through.
MAX_FILE = 200 * 1024 * 1024


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


async def _run_import(request: web.Request) -> ImportReport:
    p = principal(request)
    async with _uploaded_file(request) as upload:
        return await import_tenants(
            request.app[DB], upload, clock=request.app[CLOCK], user_id=p.user_id,
            tz=request.app[SETTINGS].tz,
        )


@auth.admins
async def api_import_tenants(request: web.Request) -> web.Response:
    """Import the landlord's tenant file (CSV).

    Body: the CSV itself (text/csv) or a multipart form with a ``file`` field. Answers the
    counts and the rejected rows and warnings with their line numbers; a file whose
    structure is wrong is refused whole (422 `invalid_file`, nothing imported); `details`
    names the field: `[{field: "file", message}]`, then one `file.columns.<column>` per
    missing required column.
    """
    try:
        report = await _run_import(request)
    except ImportFileError as exc:
        raise Invalid(str(exc), code="invalid_file", details=exc.details()) from None
    return json_response(report.as_dict())


def _page(report: ImportReport | None = None, error: str | None = None,
          filename: str | None = None) -> dict[str, Any]:
    return {"report": report, "error": error, "filename": filename}


@auth.admins
async def import_page(request: web.Request) -> web.Response:
    return await render("imports.html", request, _page())


@auth.admins
async def import_submit(request: web.Request) -> web.Response:
    filename = None
    if request.content_type == "multipart/form-data":
        upload = (await request.post()).get("file")
        filename = upload.filename if isinstance(upload, web.FileField) else None
    try:
        report = await _run_import(request)
    except ImportFileError as exc:
        return await render("imports.html", request, _page(error=str(exc), filename=filename),
                            status=422)
    return await render("imports.html", request, _page(report=report, filename=filename))


API_ROUTES = [
    ("POST", "/api/v1/imports/tenants", api_import_tenants, "api_import_tenants"),
]
PAGE_ROUTES = [
    ("GET", "/imports", import_page, "imports"),
    ("POST", "/imports", import_submit, "import_submit"),
]
