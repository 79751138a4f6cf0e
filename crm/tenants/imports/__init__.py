"""The landlord's tenant file (CSV, one row per lease) into tenants, leases, phones, the estate.

Format: ``../shared/spec/FORMATS.md`` ("Tenants"). The file is streamed: a 100,000-row export
never sits in memory; rows go to the database in batches, each batch in its own session and
transaction, with the estate ids cached across batches.

What a row does, by ``contract_ref`` (the lease's key):
- unknown: the lease is created, under the household named by ``tenant_ref`` when it exists;
- known and identical: nothing is written (re-importing a file changes nothing);
- known and different: the lease (and its household) is updated and a ``LeaseChange`` keeps
  ``{field: [old, new]}``; a newly set ``lease_end`` counts as "ended".

A household's own fields (names, e-mail, phones, reduced mobility) are taken from the first
row of the file that names it: the other rows of the same household leave them alone, so
two rows that disagree cannot flip them back and forth at every import.

Only the columns present in the file are compared: an export without e-mails does not wipe
the e-mails already known. Phones: the file owns the numbers it brought (source "import");
advisers' numbers stay, and a refused number never removes the one on record. An anonymised
household is never refilled. "refus SMS" is settled per number over the whole file and only
recorded when it differs from what the last import recorded (see ``optouts.py``).

Batches are committed as they go: a failure half-way (the database going away) leaves the
first batches in place, and importing the file again completes it without duplicates. On
PostgreSQL a batch decides (reads what exists, numbers its new rows from the sequences) while
the one before it is written, and a batch of many new leases is written in two transactions
side by side, each holding whole households (``writer.py``).

The modules, by job: ``columns`` (headers), ``rows`` (one row checked and converted),
``estate`` (places resolved and created), ``bulk`` (new rows inserted in bulk), ``writer``
(a batch written), ``optouts`` (the "refus SMS" column settled), ``report`` and ``command``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections import deque
from collections.abc import Awaitable, Callable
from typing import IO
from zoneinfo import ZoneInfo

from crm.clock import Clock
from crm.collector import spaced_collections
from crm.csvfile import CsvFileError as ImportFileError
from crm.csvfile import Reader, Source, open_source
from crm.db import Database
from crm.gil import prompt_handoffs
from crm.tenants.imports.bulk import BATCH_SIZE
from crm.tenants.imports.columns import check_columns, columns_of
from crm.tenants.imports.report import ImportReport, RowIssue, format_report
from crm.tenants.imports.rows import Row
from crm.tenants.imports.writer import BatchWriter

__all__ = ["ImportFileError", "ImportReport", "RowIssue", "check_structure", "format_report",
           "import_tenants"]
DEFAULT_TZ = ZoneInfo("Europe/Paris")

# Rows parsed between two turns given to the event loop: the batch being written waits for
# one after each of its round trips, so every 250 rows (some 8 ms of parsing) PostgreSQL sat
# idle between statements; every 10 rows cut a 20,000-row import by 15-25 % (a turn costs
# about a microsecond a row).
YIELD_EVERY = 10

# (bytes read, file size or None); may be a coroutine function (a job writes its progress).
Progress = Callable[[int, int | None], Awaitable[None] | None]


async def import_tenants(
    db: Database,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    clock: Clock,
    user_id: int | None = None,
    progress: Progress | None = None,
    tz: ZoneInfo = DEFAULT_TZ,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import a tenant file (a path or a binary file object). Structure problems raise
    ``ImportFileError`` before anything is written; row problems end up in the report."""
    # A bulk allocation of Python objects: full collections spaced as in the served app; the
    # writes on aiosqlite's thread get the GIL back promptly while the loop parses.
    with spaced_collections(), prompt_handoffs():
        opened = open_source(source)
        reader: Reader | None = None
        try:
            reader = Reader(opened.binary)
            columns = columns_of(reader.header)
            check_columns(columns)
            importer = BatchWriter(db, clock=clock, tz=tz, user_id=user_id, columns=columns)
            await importer.start()
            batch: list[Row] = []
            # Batches are written while the next one is parsed: the database works (in its own
            # processes, or aiosqlite's thread) while Python parses. At most ``depth`` batches
            # in flight (PostgreSQL: one deciding while the one before is written), so memory
            # stays bounded; they commit in file order. Progress is reported when a batch is
            # committed, as the bytes read when that batch was complete.
            writing: deque[tuple[asyncio.Task[None], int | None]] = deque()
            try:
                for line, cells in reader.rows_raw():
                    row = importer.accept(line, cells, columns)
                    if row is not None:
                        batch.append(row)
                    if line % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # parsing is CPU work: let the server answer meanwhile
                    if len(batch) >= batch_size:
                        while len(writing) >= importer.depth:
                            await _committed(writing.popleft(), progress, opened)
                        previous = writing[-1][0] if writing else None
                        writing.append((asyncio.create_task(importer.write_batch(batch, previous)),
                                        _position(opened)))
                        batch = []
                while writing:
                    await _committed(writing.popleft(), progress, opened)
                if batch:
                    await importer.write_batch(batch)
            finally:
                pending = [task for task, _ in writing if not task.done()]
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
            if progress is not None and (end := _position(opened)) is not None:
                await _call(progress, end, opened.size)
            return await importer.finish()
        finally:
            if reader is not None:
                reader.text.detach()  # the caller's file object stays open
            if opened.close:
                opened.binary.close()


def check_structure(upload: IO[bytes]) -> None:
    """Raise ``ImportFileError`` when the file cannot be imported as a whole (not a CSV, a
    required column missing): what a background job checks before answering. Reads the
    sample and the header only, and leaves the file at its start."""
    reader: Reader | None = None
    try:
        upload.seek(0)
        reader = Reader(upload)
        check_columns(columns_of(reader.header))
    finally:
        if reader is not None:
            reader.text.detach()
        upload.seek(0)


def _position(opened: Source) -> int | None:
    try:
        done = opened.binary.tell()
    except (OSError, ValueError):
        return None
    return min(done, opened.size or done)


async def _committed(writing: tuple[asyncio.Task[None], int | None], progress: Progress | None,
                     opened: Source) -> None:
    """Wait for the batch being written, then report how far the file was read for it."""
    task, position = writing
    await task
    if progress is not None and position is not None:
        await _call(progress, position, opened.size)


async def _call(progress: Progress, done: int, total: int | None) -> None:
    result = progress(done, total)
    if inspect.isawaitable(result):
        await result
