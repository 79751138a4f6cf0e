"""Reading a survey export as Excel and property-management software write it:
``;`` or ``,``, UTF-8 with or without BOM or Windows-1252, headers in French or English."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from crm.errors import Invalid


class SurveyFileError(Invalid):
    """The file as a whole cannot be read: nothing is imported."""

    code = "invalid_file"


def fold(text: str) -> str:
    """Lower case, no accents, punctuation as single spaces: "N° répondant" -> "n repondant"."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def decode(raw: bytes) -> str:
    if not raw.strip():
        raise SurveyFileError("Le fichier est vide.")
    if b"\x00" in raw[:4096]:
        raise SurveyFileError("Ce fichier n'est pas un fichier CSV (contenu binaire).")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Excel "CSV (séparateur : point-virgule)" on a French Windows.
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise SurveyFileError(
            "Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou Windows-1252."
        ) from None


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") >= header_line.count(",") else ","


def read_rows(
    text: str, columns: dict[str, set[str]], required: tuple[str, ...],
    labels: dict[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each non-blank data row.

    Line numbers are the file's own (the header is line 1), so a person can find the row
    in Excel. A missing required column refuses the whole file before any row is read.
    """
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise SurveyFileError("Le fichier est vide.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[first]))
    for _ in range(first):
        next(reader)
    header = next(reader)
    by_folded = {alias: name for name, aliases in columns.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = by_folded.get(fold(cell))
        if name is not None and name not in positions:
            positions[name] = index
    missing = [name for name in required if name not in positions]
    if missing:
        raise SurveyFileError(
            "Colonnes obligatoires absentes : "
            + ", ".join(f"{(labels or {}).get(name, name)} ({name})" for name in missing)
            + ". Vérifiez la ligne d'en-tête et le séparateur (; ou ,).",
            details={"missing_columns": missing},
        )
    previous_end = reader.line_num
    for cells in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield line, {
            name: (cells[i].strip() if i < len(cells) else "") for name, i in positions.items()
        }
