"""Rows with a blocking problem are rejected with their file line and a French reason; the
other rows of the file are imported."""

from sqlalchemy import select

from crm.models import Lease
from crm.tenants.imports import import_tenants
from tests.support.imports import row, table_counts, write_csv


async def test_blocking_problems_reject_their_row_and_the_others_import(db, clock, tmp_path):
    path = write_csv(tmp_path, [
        row("OK-1"),                                  # line 2
        row(""),                                      # line 3: no contract_ref
        row("BAD-DATE", start="31/02/2026"),          # line 4: impossible date
        row("NO-RES", residence=""),                  # line 5: no residence
        row("OK-2", last_name="Petit"),               # line 6
        row("BAD-FORMAT", start="le 3 novembre"),     # line 7: unreadable date
        row("NO-NAME", last_name=""),                 # line 8
        row("OK-1", last_name="Doublon"),             # line 9: same contract twice
        row("END-BEFORE", start="03/11/2026", end="01/11/2026"),  # line 10
    ])

    report = await import_tenants(db, path, clock=clock)

    assert report.created == 2
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "N° de contrat absent."),
        (4, "Date d'entrée impossible : « 31/02/2026 » n'existe pas."),
        (5, "Résidence (groupe) absente."),
        (7, "Date d'entrée illisible : « le 3 novembre » (attendu JJ/MM/AAAA ou AAAA-MM-JJ)."),
        (8, "Nom absent."),
        (9, "N° de contrat OK-1 déjà présent ligne 2."),
        (10, "La date de sortie précède la date d'entrée."),
    ]
    async with db.session() as s:
        assert sorted((await s.scalars(select(Lease.contract_ref))).all()) == ["OK-1", "OK-2"]


async def test_a_value_too_long_for_its_column_rejects_the_row_rather_than_the_batch(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("X" * 61), row("OK-1"), row("OK-2", building="B" * 61)])

    report = await import_tenants(db, path, clock=clock)

    assert [r.line for r in report.rejected] == [2, 4]
    assert "trop long (61 caractères, 60 au plus)" in report.rejected[0].reason
    assert (await table_counts(db))["Lease"] == 1


async def test_an_invalid_phone_is_a_warning_and_the_lease_is_imported(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("W-1", mobile="06 12 34 56", landline="02 54 11 22 33"),
                                row("W-2", mobile="+32 470 12 34 56")])

    report = await import_tenants(db, path, clock=clock)

    assert report.created == 2 and report.rejected == []
    assert [w.line for w in report.warnings] == [2, 3]
    assert report.warnings[0].reason.startswith("Téléphone portable « 06 12 34 56 » ignoré")
    assert "étranger" in report.warnings[1].reason
    counts = await table_counts(db)
    assert (counts["Lease"], counts["Phone"]) == (2, 1)  # W-1 keeps its landline


async def test_a_rejected_row_carries_no_warnings(db, clock, tmp_path):
    path = write_csv(tmp_path, [row("R-1", mobile="06 12", start="31/02/2026"), row("R-2", mobile="06 12")])

    report = await import_tenants(db, path, clock=clock)

    assert [r.line for r in report.rejected] == [2]
    assert [w.line for w in report.warnings] == [3]
