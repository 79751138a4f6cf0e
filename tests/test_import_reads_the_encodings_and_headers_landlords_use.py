"""Exports as they really come: Windows-1252 or UTF-8 (with or without BOM), `;` or `,`,
French or English headers in any order and case, both date writings, blank lines, stray
spaces, Excel's "sep=" line."""

import io

import pytest
from sqlalchemy import select

from crm.models import Agency, Phone, Residence, Tenant
from crm.tenants.imports import import_tenants
from tests.support.imports import csv_bytes, lease_by_ref

ENGLISH_HEADER = ["LAST_NAME", "contract_ref", "First_Name", "mobile_phone", "lease_start",
                  "Agency", "residence", "building", "entrance", "reduced_mobility", "City"]


async def test_a_windows_1252_comma_file_with_english_headers_imports(db, clock):
    data = csv_bytes(
        [["Lefèvre", "C-1", "Hélène", "06 12 34 56 78", "2026-11-03", "Blois", "Résidence Les Érables", "B", "2", "oui", "Blois"],
         ['"Nguyen, Thanh"', "C-2", "Thanh", "+33 7 61 22 33 44", "10/11/2026", "Vendôme", "Les Rottes", "", "", "0", "Vendôme"]],
        header=ENGLISH_HEADER, sep=",", encoding="cp1252",
    )
    assert "é".encode("cp1252") in data and b"\xc3" not in data

    report = await import_tenants(db, io.BytesIO(data), clock=clock)

    assert (report.created, report.rejected, report.warnings) == (2, [], [])
    lease = await lease_by_ref(db, "C-1")
    async with db.session() as s:
        tenant = await s.get(Tenant, lease.tenant_id)
        residence = await s.get(Residence, lease.residence_id)
        second = await s.get(Tenant, (await lease_by_ref(db, "C-2")).tenant_id)
        agencies = sorted((await s.scalars(select(Agency.name))).all())
    assert (tenant.last_name, tenant.first_name, tenant.reduced_mobility) == ("Lefèvre", "Hélène", True)
    assert residence.name == "Résidence Les Érables"
    assert str(lease.lease_start) == "2026-11-03"
    assert (second.last_name, second.reduced_mobility) == ("Nguyen, Thanh", False)
    assert str((await lease_by_ref(db, "C-2")).lease_start) == "2026-11-10"
    assert agencies == ["Blois", "Vendôme"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
async def test_utf8_with_or_without_bom_keeps_accents(db, clock, encoding):
    header = ["nom", "N° CONTRAT", "date d'entree", "AGENCE", "groupe"]
    data = csv_bytes([["Gérard", "U-1", "15/06/2019", "Blois", "Cité Saint-Marc"]], header=header,
                     encoding=encoding)

    report = await import_tenants(db, io.BytesIO(data), clock=clock)

    assert report.created == 1 and report.rejected == []
    async with db.session() as s:
        assert (await s.scalars(select(Tenant.last_name))).one() == "Gérard"
        assert (await s.scalars(select(Residence.name))).one() == "Cité Saint-Marc"


async def test_blank_lines_stray_spaces_and_the_excel_sep_line_are_ignored(db, clock):
    text = (
        "sep=;\r\n"
        "  Nom ; N° contrat ;Date d'entrée; Agence ;Groupe; Portable \r\n"
        "\r\n"
        " Martin ;  S-1 ; 03/11/2026 ; blois ; Les  Provinces ; 06 12 34 56 78 \r\n"
        ";;;;;\r\n"
        "Petit;S-2;2026-11-10;BLOIS;les provinces;\r\n"
    )

    report = await import_tenants(db, io.BytesIO(text.encode()), clock=clock)

    assert (report.created, report.rejected, report.warnings) == (2, [], [])
    async with db.session() as s:
        # Names compare without case or doubled spaces: one agency, one residence.
        assert (await s.scalars(select(Agency.name))).all() == ["blois"]
        assert (await s.scalars(select(Residence.name))).all() == ["Les Provinces"]
        assert (await s.scalars(select(Phone.e164))).all() == ["+33612345678"]
    assert (await lease_by_ref(db, "S-1")).contract_ref == "S-1"


async def test_line_numbers_count_the_header_as_line_one_and_blank_lines_too(db, clock):
    text = ("Nom;N° contrat;Date d'entrée;Agence;Groupe\n"
            "Martin;L-1;03/11/2026;Blois;A\n"
            "\n"
            "Petit;L-2;03/13/2026;Blois;A\n")

    report = await import_tenants(db, io.BytesIO(text.encode()), clock=clock)

    assert [r.line for r in report.rejected] == [4]
    assert report.created == 1


async def test_an_existing_agency_is_found_by_its_code(db, clock):
    async with db.session() as s:
        s.add(Agency(name="Agence de Blois", code="BLO"))
        await s.commit()
    data = csv_bytes([], header=["Nom", "N° contrat", "Date d'entrée", "Agence", "Groupe"])
    data += "Martin;A-1;03/11/2026;blo;Kennedy\r\n".encode()

    report = await import_tenants(db, io.BytesIO(data), clock=clock)

    assert report.created == 1
    async with db.session() as s:
        assert (await s.scalars(select(Agency.name))).all() == ["Agence de Blois"]


async def test_excel_unicode_text_utf16_with_tabs_imports(db, clock):
    header = ["N° contrat", "Nom", "Date d'entrée", "Agence", "Résidence"]
    data = csv_bytes([["X-1", "Lefèvre", "03/11/2026", "Blois", "Les Érables"]], header=header,
                     sep="\t", encoding="utf-16")

    report = await import_tenants(db, io.BytesIO(data), clock=clock)

    assert report.created == 1
    async with db.session() as s:
        assert (await s.scalars(select(Residence.name))).one() == "Les Érables"
