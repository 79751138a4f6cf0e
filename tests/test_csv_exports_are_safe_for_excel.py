"""CSV exports open in Excel (BOM, ;) and never turn an imported name into a formula."""

from crm.csvexport import excel_csv, safe_cell


def test_cells_that_excel_would_run_as_formulas_stay_text():
    assert safe_cell('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3 cmd") == "'-2+3 cmd"


def test_numbers_dates_and_phone_numbers_are_left_alone():
    for value in ("+33612345678", "-12,5", "2026-11-16", "2026-09-01 → 2026-11-30", "Dupont", 42, None):
        assert safe_cell(value) == value


def test_the_file_has_a_bom_semicolons_and_crlf():
    body = excel_csv(["Nom", "Mobile"], [["=1+1", "+33612345678"]])
    assert body.startswith("\ufeff".encode())
    assert body.decode("utf-8-sig") == "Nom;Mobile\r\n'=1+1;+33612345678\r\n"
