"""Python's garbage collector, spaced out for the app's work (shared by the server and the
bulk jobs that run outside it, such as the command-line tenant import)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young-generation threshold (Python's default: 700 allocations). Each full collection walks
# every tracked object; it comes after 100 young ones, so at 700 a 100,000-recipient launch
# (which grows the heap) met 13 of them, up to 130 ms of CPU each, every one a stall of the
# loop (/healthz p99 with it). At 10,000: none during that launch; a young collection
# walks at most 10,000 objects (about a millisecond), fourteen times less often.
GC_YOUNG_THRESHOLD = 10_000


@contextmanager
def spaced_collections() -> Iterator[None]:
    """The served app's young threshold (``GC_YOUNG_THRESHOLD``) for the duration of a bulk
    job, when the process runs with a lower one (the command line, a script): a 20,000-row
    tenant import otherwise spends a seventh of its CPU in three full collections. A no-op
    in the served app, which keeps its threshold for good (``crm.serve``)."""
    young, middle, old = gc.get_threshold()
    if young >= GC_YOUNG_THRESHOLD:
        yield
        return
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
    try:
        yield
    finally:
        if gc.get_threshold() == (GC_YOUNG_THRESHOLD, middle, old):  # nobody changed it since
            gc.set_threshold(young, middle, old)
