"""One row of a tenant file, checked and converted (dates, yes/no, phones)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from crm.csvfile import header_key, parse_euro_cents
from crm.models import (
    PhoneKind,
    Tenant,
)
from crm.phones import PhoneResult, normalise_phone
from crm.tenants.imports.bulk import NewTenant
from crm.tenants.imports.columns import COLUMNS
from crm.tenants.imports.report import RowIssue

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_FRENCH = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s.*)?")
_TRUE = frozenset({"1", "oui", "o", "true", "vrai", "yes", "y", "x"})
_FALSE = frozenset({"0", "non", "n", "false", "faux", "no"})


class RowError(Exception):
    pass


def parse_date(text: str, label: str) -> date:
    """``2026-10-03`` or ``03/10/2026`` (a time after it, as Excel writes, is ignored)."""
    found = _read_date(text)
    if isinstance(found, date):
        return found
    if found == "unreadable":
        raise RowError(f"{label} illisible : « {text} » (attendu JJ/MM/AAAA ou AAAA-MM-JJ).")
    raise RowError(f"{label} impossible : « {text} » n'existe pas.")


@functools.lru_cache(maxsize=8192)  # a file's dates repeat (move-ins of the same days)
def _read_date(text: str) -> date | str:
    """The date written in ``text``, or why not: "unreadable" or "impossible"."""
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _FRENCH.fullmatch(text)
        if not match:
            return "unreadable"
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return "impossible"


@functools.lru_cache(maxsize=256)  # a handful of distinct cells in a whole file
def parse_bool(text: str) -> bool | None:
    """1/0, oui/non, o/n, true/false (and a few more); None when empty or unreadable."""
    value = header_key(text)
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Any]  # field -> cleaned value, only for the columns of the file
    phones: list[PhoneResult]  # the valid numbers of the row, mobile column first
    phones_complete: bool  # False when a number was refused: keep the ones on record
    tenant: Tenant | NewTenant | None = None  # NewTenant: created in the current batch
    estate: dict[str, int | None] = field(default_factory=dict)


def _clean(text: str) -> str:
    return " ".join(text.split())


Normaliser = Callable[[str | None], PhoneResult | None]


def parse_row(line: int, cells: list[str] | None, columns: dict[str, int],
              warnings: list[RowIssue], normalise: Normaliser = normalise_phone) -> Row:
    """The row's values, checked and converted; raises RowError for a blocking problem.
    Warnings are added to ``warnings`` only for a row that is kept. ``normalise``: the phone
    normaliser (the import passes one that parses each distinct number once)."""
    found: list[RowIssue] = []
    if cells is None:
        raise RowError("Ligne illisible (guillemets mal fermés ?).")
    raw: dict[str, str] = {f: (_clean(cells[i]) if i < len(cells) else "") for f, i in columns.items()}
    for f, label in (("contract_ref", "N° de contrat"), ("last_name", "Nom"),
                     ("lease_start", "Date d'entrée"), ("agency", "Agence"),
                     ("residence", "Résidence (groupe)")):
        if not raw[f]:
            raise RowError(f"{label} absent{'e' if f in ('lease_start', 'agency', 'residence') else ''}.")
    for f, value in raw.items():
        limit = COLUMNS[f][2]
        if limit is not None and len(value) > limit:
            raise RowError(f"« {COLUMNS[f][0]} » trop long ({len(value)} caractères, {limit} au plus).")
    values: dict[str, Any] = {}
    for f, value in raw.items():
        if f in ("mobile_phone", "landline_phone"):
            continue
        if f == "lease_start":
            values[f] = parse_date(value, "Date d'entrée")
        elif f == "lease_end":
            values[f] = parse_date(value, "Date de sortie") if value else None
        elif f == "monthly_rent":
            cents = parse_euro_cents(value) if value else None
            if value and cents is None:
                found.append(RowIssue(line, f"Loyer « {value} » illisible (attendu 412,50) : ignoré."))
                continue
            values["monthly_rent_cents"] = cents
        elif f in ("reduced_mobility", "sms_opt_out"):
            parsed = parse_bool(value) if value else None
            if value and parsed is None:
                # Unreadable: what is on record stays (left out of the values compared).
                found.append(RowIssue(line, f"{COLUMNS[f][0]} « {value} » illisible "
                                            "(attendu oui/non, 1/0) : ignoré."))
                continue
            values[f] = bool(parsed) if f == "reduced_mobility" else parsed
        else:
            values[f] = value or None
    if values.get("lease_end") and values["lease_end"] < values["lease_start"]:
        raise RowError("La date de sortie précède la date d'entrée.")
    if values.get("entrance") and not values.get("building"):
        found.append(RowIssue(line, f"Escalier « {values['entrance']} » ignoré : pas de bâtiment."))
        values["entrance"] = None
    if values.get("email") and "@" not in values["email"]:
        found.append(RowIssue(line, f"Courriel « {values['email']} » invalide : ignoré."))
        values["email"] = None
    phones: list[PhoneResult] = []
    complete = True
    for f in ("mobile_phone", "landline_phone"):
        result = normalise(raw.get(f))
        if result is None:
            continue
        if not result.ok:
            complete = False
            found.append(RowIssue(line, f"{COLUMNS[f][0].capitalize()} « {result.raw} » ignoré : "
                                        f"{result.error}."))
        elif all(p.e164 != result.e164 for p in phones):
            phones.append(result)
    warnings.extend(found)
    return Row(line, values, phones, complete)


def is_anonymised(tenant: Tenant | NewTenant | None) -> bool:
    return getattr(tenant, "anonymized_at", None) is not None


def mobile_of(row: Row) -> str | None:
    for p in row.phones:
        if p.kind == PhoneKind.MOBILE:
            return p.e164
    return None
