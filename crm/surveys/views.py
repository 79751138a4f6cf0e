"""Surveys: import of the quarterly answers (API and admin page) and the comparison with
courtesy-call interviews (JSON, CSV, page and printable yearly report)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import auth
from crm.calendar import local_today
from crm.csvfile import CsvFileError, check_filename
from crm.errors import ApiError, NotFound
from crm.keys import CLOCK, DB, SETTINGS
from crm.models import Agency, AuditEvent
from crm.surveys.chart import chart
from crm.surveys.comparison import Row, comparison_rows
from crm.surveys.csvfile import SurveyFileError, fold
from crm.surveys.export import comparison_csv
from crm.surveys.imports import import_surveys
from crm.surveys.periods import quarter_label, quarters
from crm.surveys.summary import highlights
from crm.themes import THEMES
from crm.web.jsonutil import MAX_INT, json_response, page_params, paginated
from crm.web.middlewares import principal
from crm.web.render import render

# --- parameters and scoping ---------------------------------------------------------------


def _year(request: web.Request) -> int:
    raw = request.query.get("year", "").strip()
    if not raw:
        return local_today(request.app[CLOCK].now(), request.app[SETTINGS].tz).year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ApiError("Le paramètre year doit être une année (AAAA).", code="invalid_parameter")
    return int(raw)


async def _requested_agency(session: AsyncSession, raw: str | None) -> int | None:
    """``agency=`` as an id, or as a name or code (any case, accents optional)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if raw.isdigit() and int(raw) <= MAX_INT and await session.get(Agency, int(raw)) is not None:
        return int(raw)
    wanted = fold(raw)  # agency codes may be digits too ("041")
    for agency in (await session.execute(select(Agency))).scalars():
        if fold(agency.name) == wanted or (agency.code and fold(agency.code) == wanted):
            return agency.id
    raise NotFound("Agence inconnue.", code="agency_not_found")


async def _rows(request: web.Request) -> tuple[int, int | None, list[Row]]:
    year = _year(request)
    p = principal(request)
    async with request.app[DB].session() as session:
        # A manager asking for another agency gets 403; asking for nothing gets their own.
        agency_id = p.agency_scope(await _requested_agency(session, request.query.get("agency")))
        rows = await comparison_rows(session, year=year, agency_id=agency_id,
                                     tz=request.app[SETTINGS].tz)
    return year, agency_id, rows


# --- API --------------------------------------------------------------------------------------


async def _upload(request: web.Request) -> bytes:
    """The CSV: the request body itself, or the ``file`` field of a multipart form."""
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        field = form.get("file")
        if field is None or isinstance(field, str | bytes | bytearray):
            raise SurveyFileError("Aucun fichier reçu : choisissez le fichier CSV des réponses (champ « file »).")
        try:
            check_filename(field.filename)
        except CsvFileError as exc:
            raise SurveyFileError.of(exc) from None
        return field.file.read()
    return await request.read()


@auth.admins
async def api_import_surveys(request: web.Request) -> web.Response:
    """Import quarterly survey answers (CSV).

    Idempotent per survey, respondent and theme. Answer: {imported, updated, unchanged,
    rejected: [{line, reason}]}; a file whose structure is wrong is refused whole (422
    `invalid_file`); `details` names the field: `[{field: "file", message}]`, then one
    `file.columns.<column>` per missing required column.
    """
    report = await import_surveys(request.app[DB], await _upload(request),
                                  clock=request.app[CLOCK], user_id=principal(request).user_id)
    return json_response(report.as_dict())


@auth.managers
async def api_comparison(request: web.Request) -> web.Response:
    """Satisfaction per theme and quarter: courtesy-call interviews vs surveys.

    `year` (default: this year), `agency` (id or name; managers: their own). One row per
    theme and quarter, plus one per theme for the whole year. `agency` of an item is
    `{id, name}`, or null when every agency is counted together. Paginated like every list
    (`page`, `per_page`); one year (6 themes x 5 periods) fits in the default page.
    """
    page, per_page = page_params(request)
    _, _, rows = await _rows(request)
    chosen = rows[(page - 1) * per_page:page * per_page]
    return json_response(paginated([row.public() for row in chosen], len(rows), page))


def _filename(year: int, rows: list[Row]) -> str:
    agency = rows[0].agency["name"] if rows and rows[0].agency else "toutes-agences"
    slug = "-".join(fold(agency or "agence").split())
    return f"appels-vs-enquetes-{year}-{slug}.csv"


async def _audit_export(request: web.Request, year: int, agency_id: int | None) -> None:
    async with request.app[DB].session() as session:
        session.add(AuditEvent(at=request.app[CLOCK].now(), user_id=principal(request).user_id,
                               action="export_survey_comparison",
                               details={"year": year, "agency": agency_id}))
        await session.commit()


@auth.managers
async def api_comparison_csv(request: web.Request) -> web.Response:
    """The comparison as CSV for Excel (`;`, UTF-8 with BOM, decimal commas)."""
    year, agency_id, rows = await _rows(request)
    await _audit_export(request, year, agency_id)
    return web.Response(
        body=comparison_csv(rows),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{_filename(year, rows)}"',
        },
    )


# --- pages ---------------------------------------------------------------------------------


def _has_answers(rows: list[Row]) -> bool:
    return any(r.result.calls.n or r.result.survey.n or r.result.sms.n for r in rows)


def _view(rows: list[Row]) -> dict[str, Any]:
    yearly = [r for r in rows if r.is_year]
    by_quarter = {q: [r for r in rows if r.period == q]
                  for q in dict.fromkeys(r.period for r in rows if not r.is_year)}
    return {
        "chart": chart(yearly),
        "yearly": yearly,
        "highlights": highlights(yearly) if _has_answers(yearly) else [],
        # Quarters without a single answer are one line, not an empty table.
        "by_quarter": {q: (qrows if _has_answers(qrows) else None) for q, qrows in by_quarter.items()},
        "themes": THEMES,
        "quarter_label": quarter_label,
    }


async def _page_values(request: web.Request) -> dict[str, Any]:
    year, agency_id, rows = await _rows(request)
    p = principal(request)
    async with request.app[DB].session() as session:
        agencies = (await session.execute(select(Agency).order_by(Agency.name))).scalars().all()
    agency_name = next((a.name for a in agencies if a.id == agency_id), None)
    this_year = local_today(request.app[CLOCK].now(), request.app[SETTINGS].tz).year
    query = f"year={year}" + (f"&agency={agency_id}" if agency_id is not None else "")
    return {
        "year": year,
        "years": list(range(this_year, this_year - 6, -1)),
        "agency_id": agency_id,
        "agency_name": agency_name or "Toutes les agences",
        "agencies": agencies if p.is_admin else [],
        "query": query,
        "quarters": quarters(year),
        **_view(rows),
    }


@auth.managers
async def surveys_page(request: web.Request) -> web.Response:
    return await render("surveys/comparison.html", request, await _page_values(request))


@auth.managers
async def surveys_report(request: web.Request) -> web.Response:
    values = await _page_values(request)
    values["generated_on"] = local_today(request.app[CLOCK].now(), request.app[SETTINGS].tz)
    return await render("surveys/report.html", request, values)


@auth.admins
async def surveys_import_page(request: web.Request) -> web.Response:
    return await render("surveys/import.html", request, {"report": None, "error": None, "filename": None})


@auth.admins
async def surveys_import_submit(request: web.Request) -> web.Response:
    report, error, status = None, None, 200
    upload = (await request.post()).get("file") if request.content_type.startswith("multipart/") else None
    filename = upload.filename if isinstance(upload, web.FileField) else None
    try:
        report = await import_surveys(request.app[DB], await _upload(request),
                                      clock=request.app[CLOCK], user_id=principal(request).user_id)
    except SurveyFileError as exc:
        error, status = exc.message, 422
    return await render("surveys/import.html", request,
                        {"report": report, "error": error, "filename": filename}, status=status)


API_ROUTES = [
    ("POST", "/api/v1/imports/surveys", api_import_surveys, "api_import_surveys"),
    ("GET", "/api/v1/surveys/comparison", api_comparison, "api_survey_comparison"),
    ("GET", "/api/v1/surveys/comparison.csv", api_comparison_csv, "api_survey_comparison_csv"),
]

PAGE_ROUTES = [
    ("GET", "/enquetes", surveys_page, "surveys_page"),
    ("GET", "/enquetes/rapport", surveys_report, "surveys_report"),
    ("GET", "/enquetes/import", surveys_import_page, "surveys_import"),
    ("POST", "/enquetes/import", surveys_import_submit, "surveys_import_submit"),
]
