"""Importing survey answers: the files landlords really export, idempotent per survey,
respondent and theme, with line-numbered rejections."""

import pytest
from sqlalchemy import func, select

from crm.models import AuditEvent
from crm.surveys.csvfile import SurveyFileError
from crm.surveys.imports import import_surveys
from crm.surveys.models import SurveyAnswer
from tests.support.surveys import SAMPLE_SURVEY, add_agencies, survey_csv


async def _answers(db):
    async with db.session() as s:
        return (await s.execute(select(SurveyAnswer).order_by(SurveyAnswer.id))).scalars().all()


async def test_the_shared_sample_imports_cleanly_and_a_second_time_changes_nothing(db, clock):
    await add_agencies(db, "Blois", "Romorantin", "Vendôme")
    report = await import_surveys(db, SAMPLE_SURVEY, clock=clock)
    assert report.as_dict() == {"imported": 240, "updated": 0, "unchanged": 0, "rejected": []}
    answers = await _answers(db)
    assert len(answers) == 240
    assert {a.period for a in answers} == {"2026-Q3"}
    assert {a.survey for a in answers} == {"Baromètre T3 2026"}
    assert sum(1 for a in answers if a.score is None) == 14  # the NSP cells
    assert {a.score for a in answers} == {None, 1, 2, 3, 4}
    first = answers[0]
    assert (first.respondent_ref, first.theme, first.score) == ("R0001", "living_conditions", 4)
    assert first.imported_at == clock.now()

    clock.advance(days=1)
    again = await import_surveys(db, SAMPLE_SURVEY, clock=clock)
    assert again.as_dict() == {"imported": 0, "updated": 0, "unchanged": 240, "rejected": []}
    assert len(await _answers(db)) == 240
    async with db.session() as s:
        audits = (await s.execute(select(AuditEvent).where(AuditEvent.action == "import_surveys")
                                  .order_by(AuditEvent.id))).scalars().all()
    assert [a.details["imported"] for a in audits] == [240, 0]


async def test_cp1252_commas_english_headers_french_labels_and_quarter_words(db, clock):
    await add_agencies(db, "Vendôme")
    data = survey_csv(
        [
            ["Barometre T1", "T1 2026", "A1", "VENDÔME", "Propreté", "3"],
            ["Barometre T1", "t1 2026", "A1", "vendome", "Communication avec l'organisme", "NSP"],
            ["Barometre T1", "2026-q1", "A1", "Vendôme", "demandes techniques", ""],
            ["Barometre T1", "2026 T1", "A2", " Vendôme ", "  cleanliness ", "4,0"],
        ],
        header=["SCORE", "Theme", "Agency", "Respondent_Ref", "Period", "Survey"][::-1],
        sep=",", encoding="cp1252",
    )
    report = await import_surveys(db, data, clock=clock)
    assert report.rejected == []
    assert report.imported == 4
    got = {(a.respondent_ref, a.theme): (a.period, a.score) for a in await _answers(db)}
    assert got == {
        ("A1", "cleanliness"): ("2026-Q1", 3),
        ("A1", "communication"): ("2026-Q1", None),
        ("A1", "technical_requests"): ("2026-Q1", None),
        ("A2", "cleanliness"): ("2026-Q1", 4),
    }


async def test_bad_rows_are_rejected_with_their_line_and_the_others_imported(db, clock):
    await add_agencies(db, "Blois")
    data = survey_csv([
        ["B", "2026-Q3", "R1", "Blois", "cleanliness", "4"],        # line 2: fine
        ["B", "2026-Q3", "R1", "Atlantide", "cleanliness", "4"],    # 3: unknown agency
        ["B", "2026-Q3", "R2", "Blois", "cleanliness", "5"],        # 4: score out of scale
        ["", "", "", "", "", ""],                                   # 5: blank, skipped
        ["B", "Q5 2026", "R3", "Blois", "cleanliness", "3"],        # 6: no such quarter
        ["B", "2026-Q3", "R4", "Blois", "parking", "3"],            # 7: unknown theme
        ["B", "2026-Q3", "R5", "Blois", "move_in", "3"],            # 8: calls-only theme
        ["B", "2026-Q3", "", "Blois", "cleanliness", "3"],          # 9: no respondent
        ["B", "2026-Q3", "R1", "Blois", "cleanliness", "2"],        # 10: same key as line 2
        ["B", "2026-Q3", "R6", "Blois", "Propreté", "1"],           # 11: fine
    ])
    report = await import_surveys(db, data, clock=clock)
    assert report.imported == 2
    assert [r["line"] for r in report.rejected] == [3, 4, 6, 7, 8, 9, 10]
    reasons = {r["line"]: r["reason"] for r in report.rejected}
    assert reasons[3].startswith("Agence inconnue « Atlantide »")
    assert "Note « 5 » invalide" in reasons[4]
    assert "Période « Q5 2026 » illisible" in reasons[6]
    assert reasons[7] == "Thème inconnu « parking »."
    assert "appels de courtoisie" in reasons[8]
    assert reasons[9] == "Numéro de répondant manquant."
    assert "ligne 2" in reasons[10]
    assert {(a.respondent_ref, a.score) for a in await _answers(db)} == {("R1", 4), ("R6", 1)}


async def test_a_corrected_score_updates_the_answer_instead_of_adding_one(db, clock):
    await add_agencies(db, "Blois")
    await import_surveys(db, survey_csv([["B", "2026-Q3", "R1", "Blois", "cleanliness", "2"],
                                         ["B", "2026-Q3", "R1", "Blois", "communication", "3"]]),
                         clock=clock)
    report = await import_surveys(db, survey_csv([["B", "2026-Q3", "R1", "Blois", "cleanliness", "4"],
                                                  ["B", "2026-Q3", "R1", "Blois", "communication", "3"]]),
                                  clock=clock)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, 1)
    assert {(a.theme, a.score) for a in await _answers(db)} == {("cleanliness", 4), ("communication", 3)}
    # The same respondent in another survey is another answer.
    report = await import_surveys(db, survey_csv([["C", "2026-Q4", "R1", "Blois", "cleanliness", "1"]]),
                                  clock=clock)
    assert report.imported == 1
    assert len(await _answers(db)) == 3


@pytest.mark.parametrize("data, message", [
    (survey_csv([["B", "2026-Q3", "R1", "Blois", "4"]],
                header=["Enquête", "Période", "N° répondant", "Agence", "Note"]), "thème (theme)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binaire"),
    (b"", "vide"),
    (b"\r\n\r\n", "vide"),
    ("Bonjour,\nceci n'est pas un export\n".encode(), "Colonnes obligatoires absentes"),
])
async def test_a_file_with_a_wrong_structure_is_refused_whole(db, clock, data, message):
    await add_agencies(db, "Blois")
    with pytest.raises(SurveyFileError) as err:
        await import_surveys(db, data, clock=clock)
    assert err.value.status == 422
    assert message in err.value.message or message in str(err.value.details)
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(SurveyAnswer)) == 0


async def test_a_missing_column_is_named_in_the_error(db, clock):
    with pytest.raises(SurveyFileError) as err:
        await import_surveys(db, survey_csv([], header=["Enquête", "Période", "Agence", "Thème", "Note"]),
                             clock=clock)
    assert "n° répondant (respondent_ref)" in err.value.message
    assert [d["field"] for d in err.value.details] == ["file", "file.columns.respondent_ref"]
