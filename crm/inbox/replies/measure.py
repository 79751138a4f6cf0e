"""Measuring the reply classifier on a labelled CSV (columns ``text,intent,tone``).

Only aggregates come out of here: accuracy per intent, the confusion matrix counts and the
negative-tone F1. Nothing returns or prints a reply's text, so the held-out part
(tests/data/replies_heldout.csv, written by a separate writer who never saw the code) can be
measured without anyone reading its rows while tuning.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crm.inbox.understanding import Intent, Understanding, understand

TONES = ("negative", "neutral", "positive")


@dataclass
class Scores:
    n: int = 0
    right: int = 0
    per_intent: Counter[str] = field(default_factory=Counter)  # intent -> replies labelled so
    right_per_intent: Counter[str] = field(default_factory=Counter)
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, got) -> n
    negative: Counter[str] = field(default_factory=Counter)  # tp, fp, fn for tone "negative"
    tones: Counter[tuple[str, str]] = field(default_factory=Counter)  # (expected, got) -> n

    @property
    def accuracy(self) -> float:
        return self.right / self.n if self.n else 0.0

    def intent_accuracy(self, intent: str) -> float | None:
        n = self.per_intent[intent]
        return self.right_per_intent[intent] / n if n else None

    @property
    def negative_f1(self) -> float:
        tp, fp, fn = self.negative["tp"], self.negative["fp"], self.negative["fn"]
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    def report(self, title: str) -> str:
        """Accuracy per intent, the confusion matrix and negative F1, as text (counts only)."""
        lines = [f"{title}: {self.n} replies, intent accuracy {self.accuracy:.1%}, "
                 f"negative-tone F1 {self.negative_f1:.3f}"]
        for intent in Intent.ALL:
            acc = self.intent_accuracy(intent)
            shown = "—" if acc is None else f"{acc:.1%}"
            lines.append(f"  {intent:17} {self.right_per_intent[intent]:4}/{self.per_intent[intent]:<4} {shown}")
        short = [i[:8] for i in Intent.ALL]
        lines.append("  confusion (rows: label, columns: classifier)")
        lines.append("  " + " " * 17 + " ".join(f"{s:>8}" for s in short))
        for expected in Intent.ALL:
            cells = " ".join(f"{self.confusion[(expected, got)]:8}" for got in Intent.ALL)
            lines.append(f"  {expected:17}{cells}")
        tp, fp, fn = self.negative["tp"], self.negative["fp"], self.negative["fn"]
        lines.append(f"  negative tone: precision {tp / (tp + fp) if tp + fp else 0:.2f}, "
                     f"recall {tp / (tp + fn) if tp + fn else 0:.2f}; tones (label -> classifier):")
        for expected in TONES:
            cells = " ".join(f"{got[:3]} {self.tones[(expected, got)]:3}" for got in TONES)
            lines.append(f"    {expected:9} {cells}")
        return "\n".join(lines)


def read_labelled(path: Path) -> list[tuple[str, str, str]]:
    """(text, intent, tone) rows of a labelled file; checks the labels, never echoes a text."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"text", "intent", "tone"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path.name}: missing columns {sorted(missing)}")
        rows = [(r["text"], r["intent"].strip(), r["tone"].strip()) for r in reader]
    bad = sum(1 for _, intent, tone in rows if intent not in Intent.ALL or tone not in TONES)
    if bad:
        raise ValueError(f"{path.name}: {bad} rows with an unknown intent or tone")
    return rows


def score(rows: list[tuple[str, str, str]],
          classify: Callable[[str], Understanding] = understand) -> Scores:
    s = Scores()
    for text, intent, tone in rows:
        got = classify(text)
        s.n += 1
        s.per_intent[intent] += 1
        s.confusion[(intent, got.intent)] += 1
        if got.intent == intent:
            s.right += 1
            s.right_per_intent[intent] += 1
        s.tones[(tone, got.sentiment)] += 1
        said, truth = got.sentiment == "negative", tone == "negative"
        if said and truth:
            s.negative["tp"] += 1
        elif said:
            s.negative["fp"] += 1
        elif truth:
            s.negative["fn"] += 1
    return s
