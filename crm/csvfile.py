"""Reading CSV files as landlords' software and Excel write them: UTF-8 with or without BOM,
Windows-1252 or UTF-16, ``;`` ``,`` or tab separators (Excel's ``sep=;`` hint line too),
blank lines and stray spaces, French or English headers compared without case or accents.

Streaming: the encoding and the separator are decided on a sample, then rows are read one at
a time, so a 100,000-row file stays in bounded memory. ``CsvFileError`` (French message)
refuses a file as a whole before anything is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from crm.text import strip_accents

SAMPLE_SIZE = 64 * 1024  # enough to decide the encoding and the separator



class CsvFileError(Exception):
    """The file as a whole cannot be imported (not a CSV, empty, a required column missing).

    Raised before anything is written. The message is French and says what to fix.
    ``missing`` lists the absent required columns as ``(key, French label)``.
    """

    def __init__(self, message: str, *, missing: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []

    def details(self, field: str = "file") -> list[dict[str, str]]:
        """The API's error details: field paths with French messages (docs/DEVELOPING.md
        "Form errors name the field"): the whole message on the file, then each missing
        column as ``file.columns.<key>``."""
        return [{"field": field, "message": str(self)}] + [
            {"field": f"{field}.columns.{key}", "message": f"Colonne obligatoire absente : « {label} »."}
            for key, label in self.missing]


# What an upload may be called: a landlord's export is .csv, sometimes .txt (Excel's "Texte
# (séparateur : tabulation)"); a workbook gets its own advice.
TEXT_EXTENSIONS = frozenset({"", ".csv", ".txt", ".tsv", ".tab", ".dat"})
WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})


def check_filename(filename: str | None) -> None:
    """Refuse an upload by its name before reading it (CsvFileError, French)."""
    name = (filename or "").strip()
    suffix = PurePath(name).suffix.lower() if name else ""
    if suffix in WORKBOOK_EXTENSIONS:
        raise CsvFileError(f"« {name} » est un classeur ({suffix}) : enregistrez-le au format "
                           "« CSV (séparateur : point-virgule) » puis recommencez.")
    if suffix not in TEXT_EXTENSIONS:
        raise CsvFileError(f"« {name} » n'est pas un fichier CSV (extension {suffix}) : choisissez "
                           "l'export au format .csv.")


def header_key(text: str) -> str:
    """Header as compared: no accents, no case, punctuation as single spaces ("N° contrat" ->
    "n contrat", "Date d'entrée" -> "date d entree", "contract_ref" -> "contract ref")."""
    text = strip_accents(text.strip().lstrip("\ufeff")).lower()
    return " ".join(re.split(r"[^a-z0-9]+", text)).strip()


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    if sample.startswith(b"PK\x03\x04"):
        raise CsvFileError("Ce fichier est un classeur Excel (.xlsx) : enregistrez-le au "
                              "format « CSV (séparateur : point-virgule) » puis recommencez.")
    if b"\x00" in sample:
        raise CsvFileError("Ce fichier n'est pas un fichier CSV (contenu binaire).")
    try:
        # Incremental, so a character cut at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")  # Excel's "CSV" on a French Windows
    except UnicodeDecodeError:
        raise CsvFileError("Ce fichier n'est pas un fichier CSV lisible (encodage inconnu).") from None
    return "cp1252"


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
    return controls > max(2, len(text) // 100)


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


@dataclass
class Source:
    binary: IO[bytes]
    size: int | None
    close: bool


def open_source(source: str | os.PathLike[str] | IO[bytes]) -> Source:
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise CsvFileError(f"Fichier introuvable : {path}") from None
        except IsADirectoryError:
            raise CsvFileError(f"{path} est un dossier, pas un fichier.") from None
        return Source(handle, path.stat().st_size, True)
    binary = source
    if not binary.seekable():
        # Decide the encoding on a sample, then read from the start: needs seeking.
        spooled = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        while chunk := binary.read(1024 * 1024):
            spooled.write(chunk)
        binary = spooled
    binary.seek(0, io.SEEK_END)
    size = binary.tell()
    binary.seek(0)
    return Source(binary, size, binary is not source)


class Reader:
    """Header and rows of the file, with the file line where each row starts."""

    def __init__(self, binary: IO[bytes]) -> None:
        sample = binary.read(SAMPLE_SIZE)
        if not sample.strip():
            raise CsvFileError("Le fichier est vide.")
        encoding = _detect_encoding(sample)
        text_sample = sample.decode(encoding, errors="replace")
        if _looks_binary(text_sample):
            raise CsvFileError("Ce fichier n'est pas un fichier CSV (contenu binaire).")
        binary.seek(0)
        # The sample decided the encoding; a stray byte further down becomes "\ufffd"
        # rather than failing an import half-way through.
        self.text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        self.line = 0  # lines consumed so far
        try:
            self.delimiter, hint_line = self._delimiter(text_sample)
            for _ in range(hint_line):
                self.text.readline()
                self.line += 1
            self.csv = csv.reader(self._lines(), delimiter=self.delimiter)
            self.header, self.header_line = self._header()
        except BaseException:
            self.text.detach()
            raise

    @staticmethod
    def _delimiter(text: str) -> tuple[str, int]:
        """The separator, from the first non-blank line of the sample; Excel's "sep=;" hint
        line, when there, gives it and is skipped (second value: lines to skip)."""
        for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
            stripped = line.strip()
            hint = re.fullmatch(r'"?sep=(.)"?[;,]*', stripped, flags=re.IGNORECASE)
            if hint:
                return hint.group(1), number
            if stripped.strip(";,\t"):
                return _detect_delimiter(line), 0
        return ";", 0

    def _lines(self) -> Iterator[str]:
        while line := self.text.readline():
            self.line += 1
            yield line

    def _header(self) -> tuple[list[str], int]:
        for line, cells in self.rows_raw():
            if cells is None:
                raise CsvFileError("La ligne d'en-tête est illisible : ce n'est pas un CSV valide.")
            return cells, line
        raise CsvFileError("Le fichier est vide.")

    def rows_raw(self) -> Iterator[tuple[int, list[str] | None]]:
        """(file line, cells) of every non-blank record, cells stripped; None for a record
        the csv module cannot read."""
        while True:
            start = self.line + 1
            try:
                cells = next(self.csv)
            except StopIteration:
                return
            except csv.Error:
                yield start, None
                continue
            cells = [c.strip() for c in cells]
            if any(cells):
                yield start, cells


_EUROS = re.compile(r"^(\d{1,3}(?:[ .\u00a0\u202f]\d{3})+|\d+)(?:[,.](\d{1,2}))?$")


def parse_euro_cents(text: str) -> int | None:
    """"412,50", "412.50", "1 234,56 €", "1.234,56" -> cents; None when unreadable."""
    value = text.strip().removesuffix("€").removesuffix("EUR").strip()
    match = _EUROS.match(value)
    if match is None:
        return None
    whole = re.sub(r"\D", "", match.group(1))
    cents = (match.group(2) or "0").ljust(2, "0")
    return int(whole) * 100 + int(cents)

