"""CSV files for Excel: ``;``-separated, CRLF, UTF-8 with a BOM (so accents survive a
double-click), and no cell that Excel would run as a formula.

Names come from the landlord's import; a cell such as ``=HYPERLINK(…)`` must stay text.
Numbers, dates and phone numbers (``+33612345678``) are left as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_VALUE = re.compile(r"[+-]?\d[\d\s.,:/→-]*")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_VALUE.fullmatch(value):
        return "'" + value
    return value


def excel_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8")
