"""The preview of a plain body is added up by the database (one grouped statement; Python
renders only the distinct values SQL cannot vouch for, the samples and the longest text):
its answer is the one of rendering and analysing recipient by recipient in Python, for
tricky values, shared and opted-out numbers, blanks, plain values and variables."""

import pytest

from crm.campaigns.models import Campaign
from crm.campaigns.preview import preview
from crm.keys import CLOCK, SETTINGS
from tests.support.campaigns import TRICKY_BODIES, ids, tricky_estate
from tests.support.factories import make_lease


async def both(db, app, body: str, **fields) -> tuple[dict, dict]:
    place = await ids(db)
    campaign = Campaign(name="T", category="information", body=body, created_at=app[CLOCK].now(),
                        audience={"agencies": [place["agency"]]}, agency_id=place["agency"], **fields)
    async with db.session() as s:
        sql = await preview(s, campaign, app[SETTINGS], app[CLOCK].now())
    async with db.session() as s:
        python = await preview(s, campaign, app[SETTINGS], app[CLOCK].now(), by_sql=False)
    return sql, python


def printed_sources(answer: dict, body: str, variables: dict) -> list:
    # The Python path also names a tenant's fields the body does not print.
    return [s for s in answer["ucs2_sources"] if s["field"] is None or s["field"] in variables
            or "{{ " + s["field"] + " }}" in body]


@pytest.mark.parametrize("body", [*TRICKY_BODIES, "Bonjour {{ first_name }} {{ last_name }}"])
@pytest.mark.parametrize("plain_values", [False, True])
async def test_the_preview_added_up_in_sql_is_the_one_of_python(db, app, body, plain_values):
    await tricky_estate(db)
    await make_lease(db, mobile="+33611066666", last_name="Sansprénom", first_name="  ")
    variables = {"date": "mercredi 3 décembre"}
    sql, python = await both(db, app, body, plain_values=plain_values, variables=variables)
    assert sql["recipients"] > 20
    assert sql["ucs2_sources"] == printed_sources(python, body, variables)
    assert {**sql, "ucs2_sources": None} == {**python, "ucs2_sources": None}
