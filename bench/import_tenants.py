"""Benchmark of the tenant import: generate a realistic export, import it, import it again.

    .venv/bin/python bench/import_tenants.py                       # 100,000 rows, SQLite file
    .venv/bin/python bench/import_tenants.py --rows 20000
    .venv/bin/python bench/import_tenants.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/crm_bench_import

The file looks like a landlord's Excel export: `;`, Windows-1252, French headers, dates in
both writings, phones written every French way with about 1% typos, households holding two
leases, ended leases, a few objections to SMS. Prints rows/second for the first import and
for the re-import (which must find everything unchanged), and the process' peak memory.
The database must be empty (a fresh SQLite file is made when no URL is given); its tables
are created from the models.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


async def run(rows: int, database_url: str | None, keep: Path | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    csv_path = keep or workdir / "locataires.csv"
    started = time.perf_counter()
    generate(csv_path, rows)
    print(f"generated {rows:,} rows, {csv_path.stat().st_size / 1e6:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s: {csv_path}")
    url = database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    db = Database(url)
    await db.create_all()
    clock = FrozenClock(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    baseline = _peak_rss_mb()
    try:
        for label in ("first import", "re-import"):
            started = time.perf_counter()
            report = await import_tenants(db, csv_path, clock=clock)
            elapsed = time.perf_counter() - started
            print(f"{label}: {rows / elapsed:,.0f} rows/s ({elapsed:.1f} s) on {db.engine.dialect.name}; "
                  f"{report.counts()}")
    finally:
        await db.dispose()
    print(f"peak RSS {_peak_rss_mb():.0f} MB (before importing: {baseline:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    parser.add_argument("--keep-file", type=Path, help="write the generated CSV here")
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.database_url, args.keep_file))


if __name__ == "__main__":
    main()
