"""Stems a rule pattern cannot match without, read from the pattern itself.

Python's regex engine cannot skip ahead on a pattern that opens on a word boundary and a
long list of words: it tries every branch at every position (30–40 µs a reply for the
largest rules). Most replies hold none of the words such a pattern needs, and a substring
test for them costs a few µs. ``prefiltered`` wraps a pattern in a ``Gated`` whose stems
are derived from the parsed pattern, so the gate can never turn away a reply the pattern
would match (tests/test_replies_classify_fast_paths.py checks it on every development reply).
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the standard library's opcode names
from re import _parser
from typing import Any


class Gated:
    """A rule pattern run only when the reply holds one of its stems: a substring test costs
    far less than a search by a pattern that opens on a long list of words."""

    __slots__ = ("stems", "rx", "pattern")

    def __init__(self, stems: tuple[str, ...], rx: re.Pattern[str]) -> None:
        self.stems, self.rx, self.pattern = stems, rx, rx.pattern

    def search(self, text: str) -> re.Match[str] | None:
        for stem in self.stems:
            if stem in text:
                return self.rx.search(text)
        return None


Rules = list[tuple[str, "re.Pattern[str] | Gated"]]

# A gate of one-letter stems would let almost everything through: not worth its test.
MIN_STEM = 2
MAX_STEMS = 200


def required_stems(pattern: str) -> tuple[str, ...] | None:
    """Strings one of which is in every text the pattern matches, or None if that cannot be
    read from the pattern (a branch made only of classes, wildcards, optional parts...)."""
    try:
        parsed = _parser.parse(pattern)
    except Exception:  # noqa: BLE001 - an unreadable pattern is simply not gated
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    stems = _of_sequence(list(parsed))
    if not stems or len(stems) > MAX_STEMS or min(map(len, stems)) < MIN_STEM:
        return None
    return tuple(sorted(stems, key=lambda s: (-len(s), s)))


def _of_sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best stem set among the items every match goes through: a run of literal
    characters, or a mandatory group (its best set); the set whose shortest stem is longest."""
    candidates: list[set[str]] = []
    run = ""
    for op, av in items:
        if op is C.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        found = _of_item(op, av)
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


def _of_item(op: Any, av: Any) -> set[str] | None:
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE:
            return None
        return _of_sequence(list(sub))
    if op is C.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            found = _of_sequence(list(branch))
            if not found:
                return None  # a branch with no stem: anything may match
            union |= found
        return union
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        low, _high, sub = av
        return _of_sequence(list(sub)) if low >= 1 else None
    if op is C.ATOMIC_GROUP:
        return _of_sequence(list(av))
    return None  # a class, a wildcard, an assertion, a back-reference: no literal to require


def prefiltered(rx: re.Pattern[str] | Gated) -> re.Pattern[str] | Gated:
    """The pattern behind a gate of its own stems (unchanged when none can be read, or when
    it already has a gate)."""
    if isinstance(rx, Gated):
        return rx
    stems = required_stems(rx.pattern)
    return rx if stems is None else Gated(stems, rx)


def prefiltered_rules(rules: Rules) -> Rules:
    return [(name, prefiltered(rx)) for name, rx in rules]
