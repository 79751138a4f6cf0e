"""Reading a survey export with the service's shared CSV reader (crm/csvfile.py): the same
encodings, separators and header folding as the tenant import."""

from __future__ import annotations

import io
from collections.abc import Iterator

from crm.csvfile import CsvFileError, Reader
from crm.csvfile import header_key as fold
from crm.errors import Invalid

__all__ = ["SurveyFileError", "fold", "read_rows"]


class SurveyFileError(Invalid):
    """The file as a whole cannot be read: nothing is imported. Its details name the field
    like any form error: ``[{"field": "file", "message"}]``, then one
    ``file.columns.<column>`` per missing required column (``CsvFileError.details``)."""

    code = "invalid_file"

    def __init__(self, message: str, *, missing: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message, details=CsvFileError(message, missing=missing).details())

    @classmethod
    def of(cls, exc: CsvFileError) -> SurveyFileError:
        return cls(str(exc), missing=exc.missing)


def read_rows(
    raw: bytes, columns: dict[str, set[str]], required: tuple[str, ...],
    labels: dict[str, str] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {column: stripped value}) for each non-blank data row.

    Line numbers are the file's own (the header is line 1), so a person can find the row
    in Excel. A missing required column refuses the whole file before any row is read.
    """
    try:
        reader = Reader(io.BytesIO(raw))
    except CsvFileError as exc:
        raise SurveyFileError.of(exc) from None
    by_folded = {alias: name for name, aliases in columns.items() for alias in aliases}
    positions: dict[str, int] = {}
    for index, cell in enumerate(reader.header):
        name = by_folded.get(fold(cell))
        if name is not None and name not in positions:
            positions[name] = index
    missing = [name for name in required if name not in positions]
    if missing:
        raise SurveyFileError(
            "Colonnes obligatoires absentes : "
            + ", ".join(f"{(labels or {}).get(name, name)} ({name})" for name in missing)
            + ". Vérifiez la ligne d'en-tête et le séparateur (; ou ,).",
            missing=[(name, (labels or {}).get(name, name)) for name in missing],
        )
    for line, cells in reader.rows_raw():
        if cells is None:
            raise SurveyFileError(f"Ligne {line} illisible : ce n'est pas un CSV valide.")
        yield line, {name: (cells[i] if i < len(cells) else "") for name, i in positions.items()}
