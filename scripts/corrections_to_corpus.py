"""Add advisers' intent corrections to the development corpus: real replies, labelled by a
person, are the best examples there are.

    python scripts/corrections_to_corpus.py corrections-intentions.csv [--corpus tests/data/replies_dev.csv]

The input is the inbox export (GET /api/v1/inbox/corrections.csv or the "Corrections
d'intention (CSV)" link: ``;``-separated, UTF-8 with BOM). For each text the latest correction
wins; a text already in the corpus gets the corrected intent, a new one is appended with the
tone the service gave it. Never point it at tests/data/replies_heldout.csv: the held-out part
is written apart and never tuned on.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "replies_dev.csv"
HELDOUT_NAME = "replies_heldout.csv"
INTENTS = ("opt_out", "opt_in", "problem_persists", "problem_solved", "callback_request", "thanks",
           "question", "other")
TONES = ("negative", "neutral", "positive")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _unescape(cell: str) -> str:
    """Undo crm.csvexport's formula guard (a leading quote before = + - @)."""
    return cell[1:] if cell.startswith("'") and cell[1:2] in _FORMULA_START else cell


def read_corrections(path: Path) -> dict[str, tuple[str, str]]:
    """{text: (corrected intent, tone)} from an export, the latest correction of a text winning."""
    latest: dict[str, tuple[str, str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            text = " ".join(_unescape(row["texte"]).split())
            intent, tone = row["intention corrigée"], row["ton détecté"]
            if text and intent in INTENTS:
                latest[text] = (intent, tone if tone in TONES else "neutral")
    return latest


def merge(corpus: Path, corrections: dict[str, tuple[str, str]]) -> tuple[int, int]:
    """Rewrite ``corpus`` with the corrections; returns (relabelled, added)."""
    with corpus.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    relabelled = 0
    seen = set()
    for row in rows:
        key = " ".join(row["text"].split())
        if key in corrections:
            seen.add(key)
            if row["intent"] != corrections[key][0]:
                row["intent"] = corrections[key][0]
                relabelled += 1
    added = [{"text": t, "intent": i, "tone": tone} for t, (i, tone) in corrections.items() if t not in seen]
    with corpus.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "intent", "tone"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + added)
    return relabelled, len(added)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="the corrections CSV exported from the inbox")
    parser.add_argument("--corpus", type=Path, default=DEV, help="the development corpus to extend")
    args = parser.parse_args(argv)
    if args.corpus.name == HELDOUT_NAME:
        print("Refusé : le corpus réservé (held-out) n'est jamais complété.", file=sys.stderr)
        return 2
    relabelled, added = merge(args.corpus, read_corrections(args.export))
    print(f"{added} réponses ajoutées, {relabelled} réétiquetées dans {args.corpus}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
