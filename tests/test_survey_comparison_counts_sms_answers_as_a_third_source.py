"""The satisfaction SMS after a request is the comparison's third source ``sms: {rate, n}``:
technical requests count for "Demandes techniques", administrative ones for "Demandes non
techniques", by the quarter of the answer, with the same formula; the gap and its
significance stay calls vs survey."""

from datetime import datetime

from crm.surveys.comparison import compare
from tests.conftest import PARIS
from tests.support.factories import api_user
from tests.support.requests import add_answered_requests
from tests.support.surveys import add_interviews, add_survey_answers


def _item(body, theme, period):
    return next(i for i in body["items"] if i["theme"] == theme and i["period"] == period)


def test_compare_rates_the_sms_side_with_the_same_formula():
    row = compare([4, 1], [3, 3], [4, 3, 2, None])
    assert (row.sms.rate, row.sms.n) == (2 / 3, 3)  # (3 + 4) / answers other than "ne sait pas"
    assert row.difference_points == -50.0 and row.significant is False  # calls vs survey only


async def test_the_api_and_the_csv_count_sms_answers_by_theme_and_quarter(client, db):
    q3 = datetime(2026, 8, 20, 11, 0, tzinfo=PARIS)
    q4 = datetime(2026, 10, 5, 9, 0, tzinfo=PARIS)
    await add_answered_requests(db, "technical", [4, 4, 3, 1], at=q3)
    await add_answered_requests(db, "technical", [2, 4], at=q4)
    await add_answered_requests(db, "administrative", [1, 2, 3], at=q4)
    await add_answered_requests(db, "technical", [1, 1, 1], at=datetime(2025, 12, 31, 12, tzinfo=PARIS))
    await add_answered_requests(db, "technical", [1, 1], at=q3, agency="Vendôme")
    # 00:30 on 1 October in Paris is Q4, though still 30 September in UTC.
    await add_answered_requests(db, "administrative", [4], at=datetime(2026, 10, 1, 0, 30, tzinfo=PARIS))
    await add_interviews(db, [{"technical_requests": 3}], at=q3, agency="Blois")
    await add_survey_answers(db, "technical_requests", [4, 1], period="2026-Q3", agency="Blois")
    headers = await api_user(client, db, "manager", "Blois")
    body = await (await client.get("/api/v1/surveys/comparison?year=2026", headers=headers)).json()
    technical_q3 = _item(body, "technical_requests", "2026-Q3")
    assert technical_q3["sms"] == {"rate": 0.75, "n": 4}  # 3 of 4 (Vendôme's two not counted)
    assert technical_q3["calls"] == {"rate": 1.0, "n": 1} and technical_q3["survey"] == {"rate": 0.5, "n": 2}
    assert technical_q3["difference_points"] == 50.0
    assert _item(body, "technical_requests", "2026-Q4")["sms"] == {"rate": 0.5, "n": 2}
    assert _item(body, "technical_requests", "2026")["sms"] == {"rate": 4 / 6, "n": 6}
    assert _item(body, "non_technical_requests", "2026-Q4")["sms"] == {"rate": 0.5, "n": 4}
    assert _item(body, "non_technical_requests", "2026-Q3")["sms"] == {"rate": None, "n": 0}
    assert _item(body, "cleanliness", "2026")["sms"] == {"rate": None, "n": 0}
    csv = (await (await client.get("/api/v1/surveys/comparison.csv?year=2026", headers=headers)).read()).decode("utf-8-sig")
    line = next(x for x in csv.splitlines() if x.startswith("Demandes techniques;T3 2026"))
    assert line.split(";")[7:9] == ["75,0", "4"]
    page = await client.get("/enquetes?year=2026", headers=headers)
    assert page.status in (200, 302)
