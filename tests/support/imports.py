"""Helpers for the tenant import tests: CSV files written as landlords' exports are, page
logins with a session cookie, and a look at what the database holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from crm.db import Database
from crm.models import Lease, LeaseChange, Phone, Tenant

# The specification's sample (../shared/data/sample_tenants.csv), copied byte for byte
# (UTF-8 BOM, CRLF) so the tests do not depend on a directory outside the repository.
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_tenants.csv"

FRENCH_HEADER = ["N° contrat", "Civilité", "Nom", "Prénom", "Tél. portable", "Téléphone fixe",
                 "Date d'entrée", "Date de sortie", "Agence", "Groupe", "Bâtiment", "Escalier",
                 "Refus SMS"]


def row(contract: str, last_name: str = "Durand", *, mobile: str = "06 12 34 56 78",
        landline: str = "", start: str = "02/11/2026", end: str = "", agency: str = "Blois",
        residence: str = "Les Provinces", building: str = "A", entrance: str = "1",
        opt_out: str = "non", civility: str = "Mme", first_name: str = "Claire") -> list[str]:
    """One row for FRENCH_HEADER."""
    return [contract, civility, last_name, first_name, mobile, landline, start, end, agency,
            residence, building, entrance, opt_out]


def csv_bytes(rows: list[list[str]], header: list[str] | None = None, *, sep: str = ";",
              encoding: str = "utf-8", newline: str = "\r\n") -> bytes:
    lines = [sep.join(header or FRENCH_HEADER)] + [sep.join(r) for r in rows]
    return (newline.join(lines) + newline).encode(encoding)


def write_csv(tmp_path: Path, rows: list[list[str]], name: str = "locataires.csv", **kwargs: Any) -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, **kwargs))
    return path


async def table_counts(db: Database) -> dict[str, int]:
    async with db.session() as s:
        return {model.__name__: await s.scalar(select(func.count()).select_from(model))
                for model in (Tenant, Lease, Phone, LeaseChange)}


async def lease_by_ref(db: Database, contract_ref: str) -> Lease:
    async with db.session() as s:
        return (await s.scalars(select(Lease).where(Lease.contract_ref == contract_ref))).one()


async def finish_import_jobs(app: Any) -> None:
    """Wait until the background imports the app started have ended (no sleeping)."""
    from crm.tenants.import_jobs import IMPORT_RUNNER

    await app[IMPORT_RUNNER].wait()


async def import_job(db: Database, job_id: int) -> Any:
    from crm.tenants.models import ImportJob

    async with db.session() as s:
        return await s.get(ImportJob, job_id)


async def finished_import_job(db: Database, user_id: int, at: Any, *, rows: int = 3) -> int:
    """A background import already done for ``user_id``, with rejected rows and warnings."""
    from crm.tenants.models import ImportJob

    report = {"created": rows, "updated": 0, "unchanged": 0, "ended": 0,
              "rejected": [{"line": 3, "reason": "Date d'entrée absente."}],
              "warnings": [{"line": 4, "reason": "Téléphone portable « 06 12 » ignoré : un numéro "
                                                 "français a 10 chiffres, celui-ci en a 4."}]}
    async with db.session() as s:
        job = ImportJob(status="done", filename="export-tres-long-nom-de-fichier-du-bailleur.csv",
                        user_id=user_id, bytes_total=1000, bytes_done=1000, report=report,
                        created_at=at, started_at=at, updated_at=at, finished_at=at)
        s.add(job)
        await s.commit()
        assert job.id is not None
        return job.id
