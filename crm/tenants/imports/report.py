"""What an import did: counts, rejected rows and warnings, and how the command prints them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RowIssue:
    line: int  # line of the file, the header being line 1
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "ended": self.ended, "rejected": len(self.rejected), "warnings": len(self.warnings)}

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "ended": self.ended,
                "rejected": [issue.as_dict() for issue in self.rejected],
                "warnings": [issue.as_dict() for issue in self.warnings]}



def format_report(report: ImportReport) -> str:
    """The report as the command line prints it (French)."""
    lines = [
        f"Baux créés : {report.created}",
        f"Baux mis à jour : {report.updated}",
        f"Baux inchangés : {report.unchanged}",
        f"Baux terminés (date de sortie) : {report.ended}",
        f"Lignes rejetées : {len(report.rejected)}",
        f"Avertissements : {len(report.warnings)}",
    ]
    if report.rejected:
        lines.append("")
        lines.append("Lignes rejetées (non importées) :")
        lines += [f"  ligne {i.line} : {i.reason}" for i in report.rejected]
    if report.warnings:
        lines.append("")
        lines.append("Avertissements (lignes importées) :")
        lines += [f"  ligne {i.line} : {i.reason}" for i in report.warnings]
    return "\n".join(lines)
