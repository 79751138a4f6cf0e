"""`python main.py import tenants FILE`: a progress bar on stderr, then the French report;
exit code 0, or 2 with a clear message when the file is refused."""

import re

from bench.import_tenants import generate
from crm.tenants.imports.bulk import BATCH_SIZE
from crm.tenants.imports.command import import_tenants_command
from tests.support.imports import SAMPLE, row, table_counts, write_csv


async def test_the_command_imports_the_file_and_prints_the_report(settings, db, capsys):
    code = await import_tenants_command(settings, str(SAMPLE))

    out, err = capsys.readouterr()
    assert code == 0
    assert "Baux créés : 6" in out
    assert "Lignes rejetées : 0" in out
    assert "Avertissements : 1" in out
    assert "ligne 7 : Téléphone portable « 07 00 00 00 0 » ignoré" in out
    assert "Import" in err  # the progress bar
    assert (await table_counts(db))["Lease"] == 6


async def test_the_command_lists_rejected_lines(settings, db, capsys, tmp_path):
    path = write_csv(tmp_path, [row("R-1"), row("R-2", start="31/02/2026")])

    code = await import_tenants_command(settings, str(path))

    out, _ = capsys.readouterr()
    assert code == 0
    assert "Baux créés : 1" in out
    assert "Lignes rejetées (non importées) :\n  ligne 3 : Date d'entrée impossible" in out


async def test_a_refused_file_exits_2_with_the_reason_on_stderr(settings, db, capsys, tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    code = await import_tenants_command(settings, str(path))

    out, err = capsys.readouterr()
    assert code == 2
    assert "Import refusé : Ce fichier n'est pas un fichier CSV" in err
    assert out == ""
    assert (await table_counts(db))["Lease"] == 0


async def test_a_missing_file_exits_2(settings, db, capsys, tmp_path):
    code = await import_tenants_command(settings, str(tmp_path / "absent.csv"))

    assert code == 2
    assert "Fichier introuvable" in capsys.readouterr().err


async def test_the_progress_bar_moves_batch_by_batch_on_a_large_file(settings, db, capsys, tmp_path):
    path = tmp_path / "export.csv"
    rows = 2 * BATCH_SIZE + 500  # three batches
    generate(path, rows)

    code = await import_tenants_command(settings, str(path))

    out, err = capsys.readouterr()
    assert code == 0 and f"Baux créés : {rows}" in out
    shown = [int(p) for p in re.findall(r"Import:\s+(\d+)%", err)]
    assert shown[0] == 0 and 100 in shown
    assert len([p for p in shown if 0 < p < 100]) >= 2  # one refresh per committed batch
