"""A file that is not a tenant CSV (a required column missing, binary, empty, a workbook) is
refused whole with a clear French message, and nothing is written."""

import io

import pytest
from sqlalchemy import func, select

from crm.models import Agency, AuditEvent
from crm.tenants.imports import ImportFileError, import_tenants
from tests.support.factories import api_user
from tests.support.imports import csv_bytes, row, table_counts

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64
WITHOUT_RESIDENCE = csv_bytes([["Martin", "M-1", "03/11/2026", "Blois"]],
                              header=["Nom", "N° contrat", "Date d'entrée", "Agence"])


async def _nothing_written(db) -> None:
    assert await table_counts(db) == {"Tenant": 0, "Lease": 0, "Phone": 0, "LeaseChange": 0}
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Agency)) == 0
        assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize(("content", "message"), [
    (WITHOUT_RESIDENCE, "Colonne obligatoire absente : « résidence » (residence)"),
    (csv_bytes([["Martin"]], header=["Nom"]),
     "Colonnes obligatoires absentes : « n° contrat » (contract_ref), « date d'entrée »"),
    (PNG, "n'est pas un fichier CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "classeur Excel"),
    (b"", "Le fichier est vide."),
    (b"\r\n  \r\n", "Le fichier est vide."),
    ("Bonjour, voici la liste demandée.\nCordialement".encode(), "ne ressemble pas à un export CSV"),
])
async def test_a_file_with_a_broken_structure_is_refused_and_nothing_changes(db, clock, content, message):
    with pytest.raises(ImportFileError) as caught:
        await import_tenants(db, io.BytesIO(content), clock=clock)

    assert message in str(caught.value)
    await _nothing_written(db)


async def test_the_api_answers_422_invalid_file_for_a_missing_required_column(client, db):
    headers = await api_user(client, db, "admin", None)

    resp = await client.post("/api/v1/imports/tenants", data=WITHOUT_RESIDENCE,
                             headers={**headers, "Content-Type": "text/csv"})

    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_file"
    assert "résidence" in error["message"]
    assert await table_counts(db) == {"Tenant": 0, "Lease": 0, "Phone": 0, "LeaseChange": 0}


async def test_the_api_answers_422_for_png_bytes_sent_as_a_file(client, db):
    headers = await api_user(client, db, "admin", None)

    resp = await client.post("/api/v1/imports/tenants", data={"file": io.BytesIO(PNG)}, headers=headers)

    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_file"
    assert (await table_counts(db))["Lease"] == 0


async def test_a_missing_file_path_is_an_import_error_too(db, clock, tmp_path):
    with pytest.raises(ImportFileError, match="introuvable"):
        await import_tenants(db, tmp_path / "absent.csv", clock=clock)


async def test_a_structure_error_leaves_earlier_data_untouched(db, clock):
    await import_tenants(db, io.BytesIO(csv_bytes([row("K-1")])), clock=clock)
    before = await table_counts(db)

    with pytest.raises(ImportFileError):
        await import_tenants(db, io.BytesIO(WITHOUT_RESIDENCE), clock=clock)

    assert await table_counts(db) == before
