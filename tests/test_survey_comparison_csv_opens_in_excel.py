"""The comparison as CSV: semicolons, UTF-8 with BOM, French headers, decimal commas,
offered as a download."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.models import Agency, AuditEvent
from tests.support.factories import api_user
from tests.support.surveys import add_interviews, add_survey_answers

PARIS = ZoneInfo("Europe/Paris")


async def test_the_csv_has_a_bom_semicolons_and_decimal_commas(client, db):
    # Blois, dwelling_equipment, Q2: calls 4, 4, 1 -> 2/3 = 66.7 %; survey 3, 2, 2, 2 -> 1/4 = 25.0 %
    # difference (2/3 - 1/4) x 100 = 41.666... -> 41.7 points
    await add_interviews(db, [{"dwelling_equipment": s} for s in (4, 4, 1)],
                         at=datetime(2026, 5, 4, 11, 0, tzinfo=PARIS))
    await add_survey_answers(db, "dwelling_equipment", [3, 2, 2, 2], period="2026-Q2")
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.get("/api/v1/surveys/comparison.csv?year=2026", headers=headers)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="appels-vs-enquetes-2026-blois.csv"' in disposition
    raw = await resp.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == [
        "Thème", "Période", "Agence", "Taux de satisfaction appels (%)", "Réponses appels",
        "Taux de satisfaction enquête (%)", "Réponses enquête", "Écart (points)", "Significatif",
    ]
    assert len(rows) == 1 + 30
    q2 = next(r for r in rows if r[0] == "Logement et équipements collectifs" and r[1] == "T2 2026")
    assert q2 == ["Logement et équipements collectifs", "T2 2026", "Blois",
                  "66,7", "3", "25,0", "4", "41,7", "non"]
    year = next(r for r in rows if r[0] == "Logement et équipements collectifs" and r[1] == "Année 2026")
    assert year[3:8] == ["66,7", "3", "25,0", "4", "41,7"]
    empty = next(r for r in rows if r[0] == "Propreté" and r[1] == "T1 2026")
    assert empty[3:9] == ["", "0", "", "0", "", "non"]  # no answers: empty cells, not 0 %
    async with db.session() as s:
        audit = (await s.execute(select(AuditEvent).where(
            AuditEvent.action == "export_survey_comparison"))).scalar_one()
        blois = (await s.execute(select(Agency).where(Agency.name == "Blois"))).scalar_one()
    assert audit.details == {"year": 2026, "agency": blois.id}


async def test_an_admin_export_of_every_agency_says_so(client, db):
    headers = await api_user(client, db, "admin", None)
    resp = await client.get("/api/v1/surveys/comparison.csv?year=2025", headers=headers)
    assert 'filename="appels-vs-enquetes-2025-toutes-agences.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await resp.read()).decode("utf-8-sig")), delimiter=";"))
    assert {r[2] for r in rows[1:]} == {"Toutes les agences"}
    assert {r[1] for r in rows[1:]} == {"T1 2025", "T2 2025", "T3 2025", "T4 2025", "Année 2025"}
