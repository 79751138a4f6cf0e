"""JSON answers and request bodies: ISO dates, UTC timestamps with offset, clear 4xx errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field, Strict, ValidationError

from crm.errors import ApiError, Invalid
from crm.web.validation import french_details, summary

M = TypeVar("M", bound=BaseModel)

MAX_PER_PAGE = 1000


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False)


def json_response(data: Any, status: int = 200, **kwargs: Any) -> web.Response:
    return web.json_response(data, status=status, dumps=dumps, **kwargs)


async def read_json(request: web.Request, model: type[M]) -> M:
    """Parse and validate a JSON body into ``model``; 400 for bad JSON, 422 for bad fields."""
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError("Le corps de la requête n'est pas du JSON valide.", code="invalid_json") from None
    _check_values(raw)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = french_details(exc)
        raise Invalid(summary(details), code="validation_error", details=details) from None


# Ids and counts are database INTEGERs; dates far outside a landlord's life are typos.
MAX_INT = 2**31 - 1
MAX_PAGE = 1_000_000
MIN_YEAR, MAX_YEAR = 1900, 2200


# A row id in a JSON body: a JSON integer (not true/false, not "5"), that a column can hold.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_INT)]


def _check_values(value: Any, path: str = "") -> None:
    """422 for numbers no column can hold and for NUL characters (PostgreSQL refuses them
    in text), anywhere in a JSON body, before they reach the database."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, path)
            _check_values(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_values(item, f"{path}.{i}" if path else str(i))
    elif isinstance(value, str) and "\x00" in value:
        raise Invalid("Caractère nul interdit.", code="validation_error",
                      details=[{"field": path, "message": "Caractère nul interdit."}])
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise Invalid("Nombre trop grand.", code="validation_error",
                      details=[{"field": path, "message": f"Au plus {MAX_INT}."}])


def page_params(request: web.Request) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (default 50, at most 1000)."""
    return page_values(request.query)


def page_values(values: Mapping[str, str]) -> tuple[int, int]:
    """``page_params`` of a query string kept elsewhere (a form's hidden field)."""
    try:
        page = int(values.get("page", "1"))
        per_page = int(values.get("per_page", "50"))
    except ValueError:
        raise ApiError("page et per_page doivent être des entiers.", code="invalid_pagination") from None
    if not 1 <= page <= MAX_PAGE or not 1 <= per_page <= MAX_PER_PAGE:
        raise ApiError(
            f"page doit être ≥ 1 et per_page entre 1 et {MAX_PER_PAGE}.", code="invalid_pagination"
        )
    return page, per_page


def int_param(request: web.Request, name: str) -> int | None:
    return int_value(request.query, name)


def int_value(values: Mapping[str, str], name: str) -> int | None:
    """``int_param`` of a query string kept elsewhere (a form's hidden field)."""
    raw = values.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(f"Le paramètre {name} doit être un entier.", code="invalid_parameter") from None
    if abs(value) > MAX_INT:
        raise ApiError(f"Le paramètre {name} est hors limites.", code="invalid_parameter")
    return value


def date_param(request: web.Request, name: str) -> date | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            f"Le paramètre {name} doit être une date AAAA-MM-JJ.", code="invalid_parameter"
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ApiError(f"Le paramètre {name} est hors limites ({MIN_YEAR}-{MAX_YEAR}).",
                       code="invalid_parameter")
    return value


def paginated(items: list[Any], total: int, page: int) -> dict[str, Any]:
    return {"items": items, "total": total, "page": page}
