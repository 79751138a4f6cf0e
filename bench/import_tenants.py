"""Benchmark of the tenant import: generate a realistic export, import it, import it again.

    .venv/bin/python bench/import_tenants.py                       # 100,000 rows, SQLite file
    .venv/bin/python bench/import_tenants.py --rows 20000
    .venv/bin/python bench/import_tenants.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench_import

The file looks like a landlord's Excel export: `;`, Windows-1252, French headers, dates in
both writings, phones written every French way with about 1% typos, households holding two
leases, ended leases, a few objections to SMS.

The baseline is the raw parse of the same file: the csv module plus phonenumbers on every
phone cell, nothing written. Each measurement runs in its own process (peak memory is that
process' ru_maxrss); a raw parse and an import alternate three times and the medians are
printed: rows/second of the first import and of the re-import (which must find everything
unchanged), the ratio import / raw parse, the import's peak memory. The tables of the
database are dropped and created anew for each import (a fresh SQLite file when no URL is
given).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crm import schema  # noqa: E402
from crm.clock import FrozenClock  # noqa: E402
from crm.db import Database  # noqa: E402
from crm.tenants.imports import import_tenants  # noqa: E402

HEADER = ["N° contrat", "N° locataire", "Civilité", "Nom", "Prénom", "Tél. portable", "Téléphone fixe",
          "Courriel", "Date d'entrée", "Date de sortie", "Agence", "Permanence", "Groupe", "Bâtiment",
          "Escalier", "Étage", "N° logement", "Adresse", "Code postal", "Commune", "PMR", "Refus SMS"]
AGENCIES = [("Blois", "41000"), ("Vendôme", "41100"), ("Romorantin", "41200"), ("Mer", "41500"),
            ("Montoire", "41800")]


def _phone(rng: random.Random, mobile: bool) -> str:
    # Mobiles 06 and 073-079; landlines of the Loir-et-Cher (02 54) and a few Parisian ones.
    prefix = rng.choice(["06", "06", "073", "075", "077", "078"]) if mobile else rng.choice(["0254", "0254", "0147"])
    digits = prefix + "".join(rng.choice("0123456789") for _ in range(10 - len(prefix)))
    style = rng.random()
    if rng.random() < 0.01:
        return digits[:-1]  # a digit missing: a warning, the lease still imported
    if style < 0.5:
        return " ".join(digits[i:i + 2] for i in range(0, 10, 2))
    if style < 0.7:
        return ".".join(digits[i:i + 2] for i in range(0, 10, 2))
    if style < 0.85:
        return "+33 " + digits[1] + " " + " ".join(digits[i:i + 2] for i in range(2, 10, 2))
    if style < 0.95:
        return digits
    return "0033 " + digits[1:]


def _date(rng: random.Random, day: date) -> str:
    return day.isoformat() if rng.random() < 0.3 else day.strftime("%d/%m/%Y")


def generate(path: Path, rows: int, seed: int = 41) -> None:
    """Write ``rows`` lease rows to ``path`` (streamed: the file is never in memory)."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    last_names = [fake.last_name() for _ in range(800)]
    first_names = [fake.first_name() for _ in range(400)]
    streets = [fake.street_name() for _ in range(300)]
    residences = max(5, rows // 150)  # about 150 leases a residence
    today = date(2026, 11, 16)
    with path.open("w", encoding="cp1252", errors="replace", newline="") as out:
        out.write(";".join(HEADER) + "\r\n")
        household = 0
        for n in range(rows):
            r = rng.randrange(residences)
            agency, postcode = AGENCIES[r % len(AGENCIES)]  # a residence belongs to one agency
            building = rng.choice("ABCDEFG")
            entrance = str(rng.randint(1, 4))
            floor = rng.randint(0, 9)
            # One row in ten is a household's second lease (a move inside the estate).
            if n and rng.random() < 0.1:
                tenant_ref = f"LOC-{household:07d}"
            else:
                household += 1
                tenant_ref = f"LOC-{household:07d}"
            start = today - timedelta(days=int(rng.expovariate(1 / 2000)))
            end = start + timedelta(days=rng.randint(90, 4000)) if rng.random() < 0.08 else None
            last, first = rng.choice(last_names), rng.choice(first_names)
            civility = rng.choice(["M.", "Mme", "Mme", "M. et Mme"])
            mobile = _phone(rng, True) if rng.random() < 0.85 else ""
            landline = _phone(rng, False) if rng.random() < 0.3 else ""
            email = f"{first}.{last}{n}@example.fr".lower().replace(" ", "") if rng.random() < 0.4 else ""
            cells = [
                f"{agency[0]}-{start.year}-{n:06d}", tenant_ref, civility, last, first, mobile, landline,
                email, _date(rng, start), _date(rng, end) if end else "", agency,
                f"Permanence {r % 7 + 1}", f"Résidence {r:04d}", building, entrance, str(floor),
                f"R{r:04d}-{building}-{entrance}-{floor}{n % 10}", f"{rng.randint(1, 120)} {rng.choice(streets)}",
                postcode, agency, rng.choice(["non"] * 19 + ["oui"]), rng.choice(["non"] * 29 + ["oui"]),
            ]
            out.write(";".join(c.replace(";", ",") for c in cells) + "\r\n")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def raw_parse(csv_path: Path) -> dict[str, float]:
    """The baseline: the same file read with the csv module and every phone cell parsed and
    validated with phonenumbers, nothing else (what any import must at least do)."""
    import csv

    import phonenumbers

    started = time.perf_counter()
    rows = 0
    with csv_path.open(encoding="cp1252", newline="") as f:
        reader = csv.reader(f, delimiter=";")
        next(reader)
        for cells in reader:
            rows += 1
            for cell in (cells[5], cells[6]):
                if cell:
                    try:
                        phonenumbers.is_valid_number(phonenumbers.parse(cell, "FR"))
                    except phonenumbers.NumberParseException:
                        pass
    return {"rows": rows, "seconds": time.perf_counter() - started, "peak_mb": _peak_rss_mb()}


async def _empty_database(url: str | None, workdir: Path) -> Database:
    db = Database(url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(schema.metadata.drop_all)
    await db.create_all(schema.metadata)
    return db


async def import_twice(csv_path: Path, url: str | None) -> dict[str, float]:
    """First import into an empty database, then the re-import (which must change nothing)."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-db-"))
    db = await _empty_database(url, workdir)
    clock = FrozenClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    result: dict[str, float] = {"before_mb": _peak_rss_mb()}
    try:
        for label in ("first", "again"):
            started = time.perf_counter()
            report = await import_tenants(db, csv_path, clock=clock)
            result[label] = time.perf_counter() - started
            if label == "again" and (report.created or report.updated):
                raise SystemExit(f"the re-import changed something: {report.counts()}")
    finally:
        await db.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    result["peak_mb"] = _peak_rss_mb()
    return result


def _child(*args: str) -> dict[str, float]:
    """One measurement in its own process, so its peak memory is its own."""
    out = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(rows: int, database_url: str | None, keep: Path | None, pairs: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        _run(rows, database_url, keep, pairs, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)  # the generated file, unless kept elsewhere


def _run(rows: int, database_url: str | None, keep: Path | None, pairs: int, workdir: Path) -> None:
    csv_path = keep or workdir / "locataires.csv"
    started = time.perf_counter()
    generate(csv_path, rows)
    print(f"generated {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s: {csv_path}")
    dialect = "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite"
    ratios, firsts, agains, peaks, raw_rates, raw_peaks = [], [], [], [], [], []
    for pair in range(pairs):  # interleaved: the machine's noise hits both sides alike
        raw = _child("raw", str(csv_path))
        imp = _child("import", str(csv_path), database_url or "")
        raw_rate, rate = raw["rows"] / raw["seconds"], rows / imp["first"]
        ratios.append(rate / raw_rate)
        firsts.append(rate)
        agains.append(rows / imp["again"])
        peaks.append(imp["peak_mb"])
        raw_rates.append(raw_rate)
        raw_peaks.append(raw["peak_mb"])
        print(f"  pair {pair + 1}: raw parse {raw_rate:,.0f} rows/s, import {rate:,.0f} rows/s "
              f"(ratio {rate / raw_rate:.2f}), re-import {rows / imp['again']:,.0f} rows/s, "
              f"peak {imp['peak_mb']:.0f} MB")
    med = statistics.median
    print(f"{dialect}, {rows:,} rows, median of {pairs} interleaved pairs:")
    print(f"  raw parse (csv + phonenumbers): {med(raw_rates):,.0f} rows/s, peak RSS {med(raw_peaks):.0f} MB")
    print(f"  import:    {med(firsts):,.0f} rows/s, ratio to the raw parse {med(ratios):.2f}, "
          f"peak RSS {max(peaks):.0f} MB (whole process)")
    print(f"  re-import: {med(agains):,.0f} rows/s")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, path = sys.argv[2], Path(sys.argv[3])
        if kind == "raw":
            result = raw_parse(path)
        else:
            result = asyncio.run(import_twice(path, sys.argv[4] or None))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a database whose tables may be dropped "
                        "(default: a fresh SQLite file for each run)")
    parser.add_argument("--keep-file", type=Path, help="write the generated CSV here")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    run(args.rows, args.database_url, args.keep_file, args.pairs)


if __name__ == "__main__":
    main()
