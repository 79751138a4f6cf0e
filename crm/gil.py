"""The GIL handed to a waiting thread sooner, for the duration of a bulk job.

A SQLite statement runs on aiosqlite's thread without the GIL, but that thread needs the GIL
back between the steps of a statement (prepare, step, reading the rows) and to hand the
result to the event loop. While the loop is busy with pure-Python work (the tenant import
parses the next batch while the last one is written), CPython gives the GIL to a waiting
thread only every switch interval, 5 ms by default: a statement of a few tenths of a
millisecond waited 20-60 ms, every batch's writes spent most of their time waiting, and the
import ran as if parsing and writing took turns (measured: the same 20,000 rows in 2.4 s at
5 ms, 1.8-1.9 s at 0.2 ms, where the writes overlap the parse). The cost: more switches
between busy threads, a fraction of a percent of CPU at 0.2 ms.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

BULK_SWITCH_INTERVAL = 0.0002  # seconds


_holders: list[float] = []  # the setting found by the first job in, while jobs run


@contextmanager
def prompt_handoffs(interval: float = BULK_SWITCH_INTERVAL) -> Iterator[None]:
    """``sys.setswitchinterval(interval)`` while at least one such block runs, when it is
    shorter than the process' setting; the first block in keeps the setting it found and
    the last one out puts it back (two imports at once)."""
    if not _holders:
        before = sys.getswitchinterval()
        if before <= interval:
            yield
            return
        sys.setswitchinterval(interval)
        _holders.append(before)
    else:
        _holders.append(_holders[0])
    try:
        yield
    finally:
        before = _holders.pop()
        if not _holders:
            sys.setswitchinterval(before)
