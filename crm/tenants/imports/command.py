"""``python main.py import tenants FILE``: a progress bar, then the report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from crm.clock import Clock
from crm.csvfile import CsvFileError as ImportFileError
from crm.db import Database
from crm.tenants.imports import import_tenants
from crm.tenants.imports.report import format_report


async def import_tenants_command(settings: Any, path: str) -> int:
    """``python main.py import tenants FILE``: a progress bar on stderr, then the report."""
    from tqdm import tqdm

    db = Database(settings.database_url)
    try:
        # A one-shot CLI command: nothing else runs on this loop, a stat() may block it.
        size = Path(path).stat().st_size if Path(path).is_file() else None  # noqa: ASYNC240
        with tqdm(total=size, unit="o", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                  desc="Import", leave=False, mininterval=0, miniters=1) as bar:  # a refresh per batch
            def progress(done: int, total: int | None) -> None:
                bar.update(done - bar.n)

            try:
                report = await import_tenants(db, path, clock=Clock(), progress=progress,
                                              tz=settings.tz)
            except ImportFileError as exc:
                bar.close()
                print(f"Import refusé : {exc}", file=sys.stderr)
                return 2
        print(format_report(report))
        return 0
    finally:
        await db.dispose()
