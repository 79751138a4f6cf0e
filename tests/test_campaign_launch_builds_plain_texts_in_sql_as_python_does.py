"""A plain body's outbox rows are built by the database (one INSERT … SELECT a chunk): the
rows, texts and segments are those of rendering and analysing each recipient in Python,
for tricky values (quotes, accents GSM-7 has and lacks, typography, emoji, escape
characters, white space at the ends, long names), shared and opted-out numbers, several
leases and mobiles, plain values, and the same refusals (blank, too long)."""

import pytest
from sqlalchemy import select

from crm.campaigns import preparation
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage
from crm.campaigns.preview import first_send_at
from crm.errors import Invalid
from crm.keys import CLOCK, SETTINGS
from tests.support.campaigns import TRICKY_BODIES, TRICKY_NAMES, ids, tricky_estate
from tests.support.factories import make_lease


async def written(db, app, body: str, *, by_sql: bool, plain_values: bool = False, chunk_rows: int = 4,
                  variables: dict | None = None):
    place = await ids(db)
    now = app[CLOCK].now()
    async with db.session() as s:
        campaign = Campaign(name="T", category="outage", urgent=True, body=body, created_at=now, launched_at=now,
                            variables=variables or {}, plain_values=plain_values,
                            status=CampaignStatus.PREPARING, audience={"agencies": [place["agency"]]})
        s.add(campaign)
        await s.commit()
    settings = app[SETTINGS]
    count = await preparation.write_in_chunks(db, campaign, first_send_at(campaign, now, settings.tz), settings,
                                              now, chunk_rows=chunk_rows, by_sql=by_sql)
    async with db.session() as s:
        rows = (await s.execute(select(OutboxMessage.tenant_id, OutboxMessage.e164, OutboxMessage.body,
                                       OutboxMessage.segments, OutboxMessage.status, OutboxMessage.next_try_at)
                                .where(OutboxMessage.campaign_id == campaign.id)
                                .order_by(OutboxMessage.id))).all()
    return count, [tuple(r) for r in rows]


@pytest.mark.parametrize("body", TRICKY_BODIES)
@pytest.mark.parametrize("plain_values", [False, True])
async def test_the_rows_built_in_sql_are_those_python_builds(db, app, body, plain_values):
    await tricky_estate(db)
    variables = {"date": "mercredi 3 décembre"}
    python = await written(db, app, body, by_sql=False, plain_values=plain_values, variables=variables)
    sql = await written(db, app, body, by_sql=True, plain_values=plain_values, variables=variables)
    assert sql == python
    assert python[0] == len(TRICKY_NAMES) + 1  # the shared and opted-out numbers, the tenant without mobile


async def test_a_blank_or_too_long_text_is_refused_the_same_way(db, app):
    await tricky_estate(db)
    await make_lease(db, mobile="+33611066666", last_name="Sansprénom", first_name="  ")
    refusals = []
    for by_sql in (False, True):
        for body in ("Bonjour {{ first_name }} {{ last_name }}", "x" * 1500 + " {{ last_name }}"):
            with pytest.raises(Invalid) as refused:
                await written(db, app, body, by_sql=by_sql)
            refusals.append((body, refused.value.code, str(refused.value)))
    assert refusals[:2] == refusals[2:]
    assert [r[1] for r in refusals] == ["blank_placeholder", "message_too_long"] * 2
