"""The page "Appels de courtoisie vs enquêtes" and its printable yearly report."""

import html as htmllib
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.factories import make_user
from tests.support.surveys import add_agencies, add_interviews, add_survey_answers, page_login

PARIS = ZoneInfo("Europe/Paris")


async def _data(db):
    ids = await add_agencies(db, "Blois", "Vendôme")
    at = datetime(2026, 5, 12, 15, 0, tzinfo=PARIS)
    # Blois, living_conditions, Q2: calls 27/30 = 90.0 %, survey 20/40 = 50.0 %: +40,0, significant
    await add_interviews(db, [{"living_conditions": 4}] * 27 + [{"living_conditions": 2}] * 3, at=at)
    await add_survey_answers(db, "living_conditions", [3] * 20 + [1] * 20, period="2026-Q2")
    # Blois, cleanliness, Q2: calls 1/2 = 50.0 %, survey 1/1 = 100.0 %: -50,0, too few answers
    await add_interviews(db, [{"cleanliness": 4}, {"cleanliness": 1}], at=at)
    await add_survey_answers(db, "cleanliness", [4], period="2026-Q2")
    # Vendôme: survey only, 0/3 on communication
    await add_survey_answers(db, "communication", [1, 1, 2], period="2026-Q2", agency="Vendôme")
    return ids


def _row(html, theme, period):
    match = re.search(rf'<tr data-theme="{theme}" data-period="{period}">(.*?)</tr>', html, re.S)
    assert match, (theme, period)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip())


async def test_a_manager_sees_the_chart_and_the_table_of_their_agency(client, db):
    await _data(db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.get("/enquetes?year=2026")
    assert resp.status == 200
    html = await resp.text()
    assert "<h1>Appels de courtoisie vs enquêtes</h1>" in html
    assert "Blois — année 2026" in html
    # Inline SVG: one blue and one orange bar per theme with answers, whiskers, labels.
    assert html.count("<svg") == 1
    assert 'class="bar calls"' in html and 'class="bar survey"' in html
    assert '<g class="ci"' in html
    assert "90 % (n=30)" in html and "50 % (n=40)" in html
    assert "Conditions de vie et sentiment de sécurité *" in html  # significant theme marked
    # Table rows: rates with decimal commas, n, difference in points, significance.
    assert _row(html, "living_conditions", "2026") == (
        "Conditions de vie et sentiment de sécurité 90,0 % 30 50,0 % 40 +40,0 significatif")
    assert _row(html, "cleanliness", "2026-Q2") == "Propreté 50,0 % 2 100,0 % 1 -50,0 moins de 30 réponses"
    assert _row(html, "communication", "2026") == "Communication avec l'organisme — 0 — 0 — —"
    # Managers get no agency picker (their own agency only), and no import link.
    assert 'name="agency"' not in html
    assert "/enquetes/import" not in html
    assert 'href="/api/v1/surveys/comparison.csv?year=2026&amp;agency=' in html
    assert 'href="/enquetes/rapport?year=2026&amp;agency=' in html


async def test_the_manager_of_blois_cannot_open_vendome(client, db):
    ids = await _data(db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.get(f"/enquetes?agency={ids['Vendôme']}")
    assert resp.status == 403
    assert "Cette agence n'est pas la vôtre." in htmllib.unescape(await resp.text())


async def test_an_admin_filters_by_agency_and_sees_every_agency_by_default(client, db):
    ids = await _data(db)
    await page_login(client, await make_user(db, "admin", None))
    html = await (await client.get("/enquetes?year=2026")).text()
    assert "Toutes les agences — année 2026" in html
    assert f'<option value="{ids["Vendôme"]}" >Vendôme</option>' in html
    assert "/enquetes/import" in html
    assert _row(html, "communication", "2026") == "Communication avec l'organisme — 0 0,0 % 3 — —"
    html = await (await client.get(f"/enquetes?year=2026&agency={ids['Vendôme']}")).text()
    assert "Vendôme — année 2026" in html
    assert f'<option value="{ids["Vendôme"]}" selected>Vendôme</option>' in html
    assert _row(html, "living_conditions", "2026") == "Conditions de vie et sentiment de sécurité — 0 — 0 — —"


async def test_the_printable_report_has_title_agency_date_chart_table_and_reading_guide(client, db):
    await _data(db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    resp = await client.get("/enquetes/rapport?year=2026")
    assert resp.status == 200
    html = await resp.text()
    assert "Premières impressions et enquêtes de satisfaction — 2026" in html
    assert "<strong>Blois</strong> · édité le 16/11/2026" in html
    assert "@media print" in html and "@page" in html
    assert "<svg" in html
    assert _row(html, "living_conditions", "2026") == (
        "Conditions de vie et sentiment de sécurité 90,0 % 30 50,0 % 40 +40,0 significatif")
    assert "Comment lire ce rapport" in html
    assert "moins de 30 réponses" in html


async def test_advisers_do_not_see_the_pages_nor_the_menu_entry(client, db):
    await _data(db)
    # Not page_login: it lands on /enquetes, which advisers may not open.
    adviser = await make_user(db, "adviser", "Blois")
    page = await (await client.get("/login")).text()
    token = re.search(r'name="login_csrf" value="([^"]+)"', page).group(1)
    await client.post("/login", data={"email": adviser.email, "password": "motdepasse-solide",
                                      "login_csrf": token, "next": "/"}, allow_redirects=False)
    assert (await client.get("/enquetes")).status == 403
    assert (await client.get("/enquetes/rapport")).status == 403
    assert (await client.get("/enquetes/import")).status == 403
    html = await (await client.get("/locataires")).text()
    assert 'href="/enquetes"' not in html


async def test_managers_see_the_menu_entry(client, db):
    await page_login(client, await make_user(db, "manager", "Blois"))
    html = await (await client.get("/enquetes")).text()
    assert '<a href="/enquetes" aria-current="page">Enquêtes</a>' in html


async def test_the_key_points_say_where_calls_and_surveys_agree_or_differ(client, db):
    await _data(db)
    await page_login(client, await make_user(db, "manager", "Blois"))
    for url in ("/enquetes?year=2026", "/enquetes/rapport?year=2026"):
        html = htmllib.unescape(await (await client.get(url)).text())
        assert ("Conditions de vie et sentiment de sécurité : les nouveaux locataires sont plus "
                "satisfaits lors de l'appel (90 %) que dans l'enquête (50 %), soit +40,0 points : "
                "écart significatif.") in html
        assert "Trop peu de réponses pour conclure (moins de 30 d'un côté) : Propreté." in html
        assert ("Comparaison impossible, un côté n'a aucune réponse : Logement et équipements collectifs, "
                "Demandes techniques, Demandes non techniques, Communication avec l'organisme.") in html
        # Quarters without any answer are one line, not an empty table.
        assert "T1 2026 : aucune réponse, ni aux appels ni à l'enquête." in html
        assert 'data-period="2026-Q1"' not in html
        assert 'data-period="2026-Q2"' in html


def test_themes_with_enough_answers_and_no_significant_gap_are_said_to_agree():
    from crm.surveys.comparison import Row, compare
    from crm.surveys.summary import highlights

    rows = [
        # 24/30 vs 20/30: z = 1.17, not significant, both n >= 30 -> agree
        Row("cleanliness", "2026", None, compare([3] * 24 + [1] * 6, [4] * 20 + [2] * 10)),
        # 5/30 vs 35/40: clearly less satisfied on the phone; -70.8 points
        Row("communication", "2026", None, compare([4] * 5 + [1] * 25, [4] * 35 + [1] * 5)),
    ]
    assert highlights(rows) == [
        "Communication avec l'organisme : les nouveaux locataires sont moins satisfaits lors de "
        "l'appel (17 %) que dans l'enquête (88 %), soit -70,8 points : écart significatif.",
        "Appels et enquête concordent (pas d'écart significatif) : Propreté.",
    ]
