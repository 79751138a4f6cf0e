"""Import of quarterly survey answers (FORMATS.md, "Quarterly survey answers").

One row per answer. Idempotent on (survey, respondent_ref, theme): a re-import of the same
file changes nothing, a corrected score updates its row. Rows with a problem are rejected
with their line number and a French reason; the others are imported. A file whose
structure is wrong is refused whole.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.clock import Clock
from crm.config import Settings
from crm.db import Database
from crm.models import Agency, AuditEvent
from crm.surveys.csvfile import SurveyFileError, fold, read_rows
from crm.surveys.models import SurveyAnswer
from crm.surveys.periods import parse_period
from crm.themes import SCALE, SURVEY_THEMES, THEMES, theme_code

# Accepted headers, compared after folding (lower case, no accents, no punctuation).
COLUMNS: dict[str, set[str]] = {
    "survey": {"survey", "enquete", "nom enquete", "nom de l enquete"},
    "period": {"period", "periode", "trimestre", "quarter"},
    "respondent_ref": {"respondent ref", "respondent", "n repondant", "no repondant",
                       "numero repondant", "num repondant", "repondant", "id repondant"},
    "agency": {"agency", "agence"},
    "theme": {"theme"},
    "score": {"score", "note", "reponse", "answer"},
}
REQUIRED = tuple(COLUMNS)
LABELS = {"survey": "enquête", "period": "période", "respondent_ref": "n° répondant",
          "agency": "agence", "theme": "thème", "score": "note"}

DONT_KNOW_WORDS = {"", "nsp", "ne sait pas", "ne se prononce pas", "sans avis", "dk"}
_SCORE_LABELS = {fold(label): score for score, label in SCALE.items()}

Source = bytes | str | os.PathLike[str] | IO[bytes]


@dataclass
class ImportReport:
    imported: int = 0  # new answers
    updated: int = 0  # same survey, respondent and theme, another score, period or agency
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append({"line": line, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected}


class RowError(ValueError):
    """A row that cannot be imported; the message is the French reason."""


def _read(source: Source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    return source.read()


def parse_score(value: str) -> int | None:
    folded = fold(value)
    if folded in DONT_KNOW_WORDS:
        return None
    if folded in _SCORE_LABELS:
        return _SCORE_LABELS[folded]
    try:
        # "4", "4.0" or "4,0" from Excel
        number = float(value.replace(",", "."))
    except ValueError:
        number = 0
    if number in (1, 2, 3, 4):
        return int(number)
    raise RowError(f"Note « {value} » invalide : attendu 1, 2, 3, 4, vide ou NSP.")


def _theme(value: str) -> str:
    code = theme_code(value) if value else None
    if code is None:
        raise RowError(f"Thème inconnu « {value} ».")
    if code not in SURVEY_THEMES:
        raise RowError(f"Le thème « {THEMES[code]} » ne concerne que les appels de courtoisie.")
    return code


def _required(row: dict[str, str], name: str, label: str, max_length: int) -> str:
    value = row[name]
    if not value:
        raise RowError(f"{label} manquant.")
    if len(value) > max_length:
        raise RowError(f"{label} trop long ({max_length} caractères au plus).")
    return value


async def _agencies(session: AsyncSession) -> dict[str, int]:
    """Agencies by folded name and code: the tenant import creates them, we only match."""
    found: dict[str, int] = {}
    for agency in (await session.execute(select(Agency))).scalars():
        found[fold(agency.name)] = agency.id  # type: ignore[assignment]  # a loaded row has its id
        if agency.code:
            found.setdefault(fold(agency.code), agency.id)
    return found


Key = tuple[str, str, str]  # survey, respondent_ref, theme
Values = tuple[str, int, int | None]  # period, agency_id, score


def _parse(row: dict[str, str], agencies: dict[str, int]) -> tuple[Key, Values]:
    survey = _required(row, "survey", "Nom d'enquête", 120)
    period = parse_period(row["period"])
    if period is None:
        raise RowError(f"Période « {row['period']} » illisible : attendu 2026-Q3 ou T3 2026.")
    respondent = _required(row, "respondent_ref", "Numéro de répondant", 60)
    if not row["agency"]:
        raise RowError("Agence manquante.")
    agency_id = agencies.get(fold(row["agency"]))
    if agency_id is None:
        raise RowError(f"Agence inconnue « {row['agency']} » : importez d'abord les locataires de cette agence.")
    theme = _theme(row["theme"])
    return (survey, respondent, theme), (period, agency_id, parse_score(row["score"]))


async def import_surveys(
    db: Database, source: Source, *, clock: Clock, user_id: int | None = None
) -> ImportReport:
    """Import a survey file (path, bytes or binary file). Raises SurveyFileError (nothing
    written) when the file's structure is wrong."""
    raw = _read(source)
    report = ImportReport()
    now = clock.now()
    async with db.session() as session:
        agencies = await _agencies(session)
        wanted: dict[Key, Values] = {}
        first_line: dict[Key, int] = {}
        for line, row in read_rows(raw, COLUMNS, REQUIRED, LABELS):
            try:
                key, values = _parse(row, agencies)
            except RowError as exc:
                report.reject(line, str(exc))
                continue
            if key in first_line:
                report.reject(line, f"Réponse en double : même enquête, répondant et thème qu'à la ligne {first_line[key]}.")
                continue
            first_line[key] = line
            wanted[key] = values
        surveys = sorted({key[0] for key in wanted})
        existing: dict[Key, SurveyAnswer] = {}
        if surveys:
            stmt = select(SurveyAnswer).where(SurveyAnswer.survey.in_(surveys))
            for found in (await session.execute(stmt)).scalars():
                existing[(found.survey, found.respondent_ref, found.theme)] = found
        for key, (period, agency_id, score) in wanted.items():
            answer = existing.get(key)
            if answer is None:
                session.add(SurveyAnswer(survey=key[0], respondent_ref=key[1], theme=key[2],
                                         period=period, agency_id=agency_id, score=score,
                                         imported_at=now))
                report.imported += 1
            elif (answer.period, answer.agency_id, answer.score) == (period, agency_id, score):
                report.unchanged += 1
            else:
                answer.period, answer.agency_id, answer.score = period, agency_id, score
                answer.imported_at = now
                report.updated += 1
        counts = {k: v for k, v in report.as_dict().items() if k != "rejected"}
        session.add(AuditEvent(at=now, user_id=user_id, action="import_surveys",
                               details={**counts, "rejected": len(report.rejected)}))
        await session.commit()
    return report


def format_report(report: ImportReport) -> str:
    lines = [
        f"Réponses importées : {report.imported}",
        f"Réponses mises à jour : {report.updated}",
        f"Réponses inchangées : {report.unchanged}",
        f"Lignes rejetées : {len(report.rejected)}",
    ]
    lines += [f"  ligne {r['line']} : {r['reason']}" for r in report.rejected]
    return "\n".join(lines)


async def import_surveys_command(settings: Settings, path: str) -> int:
    """``python main.py import surveys FILE``: 0 when read, 2 when the file is refused."""
    db = Database(settings.database_url)
    try:
        report = await import_surveys(db, path, clock=Clock())
    except FileNotFoundError:
        print(f"Fichier introuvable : {path}", file=sys.stderr)
        return 2
    except SurveyFileError as exc:
        print(f"Fichier refusé, rien n'a été importé : {exc.message}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(format_report(report))
    return 0
