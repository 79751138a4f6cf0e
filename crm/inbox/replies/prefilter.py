"""Stems a rule pattern cannot match without, read from the pattern itself.

Python's regex engine cannot skip ahead on a pattern that opens on a word boundary and a
long list of words: it tries every branch at every position (30–40 µs a reply for the
largest rules). Most replies hold none of the words such a pattern needs, and a substring
test for them costs a few µs. ``prefiltered`` wraps a pattern in a ``Gated`` whose stems
are derived from the parsed pattern, so the gate can never turn away a reply the pattern
would match (tests/test_replies_classify_fast_paths.py checks it on every development reply).

A pattern whose alternatives partly open on ``^`` pays for those at every position of the
reply, though they can only match at the first: ``StartSplit`` tries the whole pattern once at
position 0 and then searches from position 1 with the other alternatives only (a quarter of
the cost for the question patterns), which finds the same leftmost match.

Each gate's substring tests, one stem after another, added up to about 100 µs a reply over the
38 gates (1,518 stems). ``StemIndex`` puts every gate's stems in one Aho-Corasick automaton
(pyahocorasick, in C): one pass over the reply (3 µs) tells which gates are open, and each gate
then reads one bit.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812 - the standard library's opcode names
from re import _parser
from typing import Any

import ahocorasick


class StemIndex:
    """Every registered stem set in one automaton: ``open(text)`` is a bitmask with bit ``i``
    set when the text holds one of set ``i``'s stems, computed once per text (the gates of one
    reply ask in turn about the same string)."""

    def __init__(self) -> None:
        self._sets: list[tuple[str, ...]] = []
        self._automaton: Any = None
        self._last: tuple[str | None, int] = (None, 0)  # (text, mask): replaced in one assignment

    def register(self, stems: tuple[str, ...]) -> int:
        """The bit of a new stem set; the automaton is built again at the next ``open``."""
        self._sets.append(stems)
        self._automaton = None
        return 1 << (len(self._sets) - 1)

    def _build(self) -> Any:
        masks: dict[str, int] = {}
        for i, stems in enumerate(self._sets):
            for stem in stems:
                masks[stem] = masks.get(stem, 0) | 1 << i
        automaton = ahocorasick.Automaton()
        for stem, mask in masks.items():
            automaton.add_word(stem, mask)
        automaton.make_automaton()
        self._automaton = automaton
        return automaton

    def open(self, text: str) -> int:
        last = self._last
        if last[0] is text:
            return last[1]
        automaton = self._automaton or self._build()
        mask = 0
        for _end, found in automaton.iter(text):  # every occurrence, overlapping ones too
            mask |= found
        self._last = (text, mask)
        return mask


STEMS = StemIndex()


class StemSet:
    """Strings of which a text must hold one, tested through the shared index:
    ``StemSet(("appel", "rappel")).found_in(text)`` is ``any(s in text for s in stems)``."""

    __slots__ = ("stems", "bit")

    def __init__(self, stems: tuple[str, ...] | list[str]) -> None:
        self.stems = tuple(stems)
        if not self.stems or "" in self.stems:
            raise ValueError("a stem set needs non-empty stems")
        self.bit = STEMS.register(self.stems)

    def found_in(self, text: str) -> bool:
        return bool(STEMS.open(text) & self.bit)

    def __iter__(self) -> Any:
        return iter(self.stems)


class Gated:
    """A rule pattern run only when the reply holds one of its stems: a substring test costs
    far less than a search by a pattern that opens on a long list of words."""

    __slots__ = ("stems", "rx", "pattern", "bit")

    def __init__(self, stems: tuple[str, ...], rx: re.Pattern[str] | StartSplit) -> None:
        self.stems, self.rx, self.pattern = stems, rx, rx.pattern
        self.bit = StemSet(stems).bit

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if STEMS.open(text) & self.bit:
            return self.rx.search(text, pos)
        return None


class StartSplit:
    """A pattern some of whose alternatives open on ``^``: matched whole at position 0, then
    searched from position 1 by the alternatives that can match there (in their order, so
    the match is the one the whole pattern's search returns)."""

    __slots__ = ("rx", "inside", "pattern")

    def __init__(self, rx: re.Pattern[str], inside: re.Pattern[str] | Gated | None) -> None:
        self.rx, self.inside, self.pattern = rx, inside, rx.pattern

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if pos == 0:
            m = self.rx.match(text)
            if m is not None or not text:
                return m
            pos = 1
        return None if self.inside is None else self.inside.search(text, pos)


Rules = list[tuple[str, "re.Pattern[str] | Gated | StartSplit"]]

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


def _gated(rx: re.Pattern[str]) -> re.Pattern[str] | Gated:
    stems = required_stems(rx.pattern)
    return rx if stems is None else Gated(stems, rx)


def prefiltered(rx: re.Pattern[str] | Gated | StartSplit) -> re.Pattern[str] | Gated | StartSplit:
    """The pattern split at its start-anchored alternatives, or behind a gate of its own stems
    (unchanged when neither applies, or when it already has a gate)."""
    if isinstance(rx, (Gated, StartSplit)):
        return rx
    stems = required_stems(rx.pattern)
    split = _split_at_start(rx)
    if stems is None:
        return split or rx
    return Gated(stems, split or rx)


def _split_at_start(rx: re.Pattern[str]) -> StartSplit | None:
    if rx.flags & re.MULTILINE:  # "^" would also match after each newline
        return None
    leaves = alternatives(rx.pattern)
    inside = [leaf for leaf in leaves if not _opens_on_start(leaf)]
    if len(inside) == len(leaves):
        return None
    rest = _gated(re.compile("|".join(f"(?:{leaf})" for leaf in inside), rx.flags)) if inside else None
    return StartSplit(rx, rest)


def alternatives(pattern: str) -> list[str]:
    """The pattern's top-level alternatives, with those of a group that spans a whole
    alternative read in place (``(?:a|b)|c`` is a, b, c)."""
    found = []
    for branch in _top_level(pattern):
        if branch.startswith("(?:") and _closes_at_end(branch) and len(_top_level(branch[3:-1])) > 1:
            found += alternatives(branch[3:-1])
        else:
            found.append(branch)
    return found


def _opens_on_start(branch: str) -> bool:
    """Every match of the alternative begins with ``^``: it opens on ``^``, or on a group
    every alternative of which does, and that group is not optional (``(?:^a|b)c`` and
    ``(?:^a)?b`` can match anywhere)."""
    if branch.startswith("^"):
        return True
    if not branch.startswith("(?:"):
        return False
    close = next(i for i, ch, depth in _scan(branch) if ch == ")" and depth == 1)
    if branch[close + 1:close + 2] in ("?", "*", "{"):
        return False
    return all(_opens_on_start(a) for a in _top_level(branch[3:close]))


def _scan(pattern: str) -> Any:
    """(index, character, depth before it) of each character outside escapes and classes."""
    depth, in_class, escaped, class_start = 0, False, False, 0
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:  # a "]" first in a class ("[]a]", "[^]a]") is a literal
            in_class = ch != "]" or i == class_start or (i == class_start + 1 and pattern[class_start] == "^")
        elif ch == "[":
            in_class, class_start = True, i + 1
        else:
            yield i, ch, depth
            depth += (ch == "(") - (ch == ")")


def _top_level(pattern: str) -> list[str]:
    cuts = [i for i, ch, depth in _scan(pattern) if ch == "|" and depth == 0]
    return [pattern[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(pattern)], strict=True)]


def _closes_at_end(branch: str) -> bool:
    """The group opened by the branch's first character closes on its last one."""
    closes = [i for i, ch, depth in _scan(branch) if ch == ")" and depth == 1]
    return bool(closes) and closes[0] == len(branch) - 1


def prefiltered_rules(rules: Rules) -> Rules:
    return [(name, prefiltered(rx)) for name, rx in rules]
