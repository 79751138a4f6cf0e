"""A plain body's outbox rows are built by the database (one INSERT … SELECT a chunk): the
rows, texts and segments are those of rendering and analysing each recipient in Python,
for tricky values (quotes, accents GSM-7 has and lacks, typography, emoji, escape
characters, white space at the ends, long names), shared and opted-out numbers, several
leases and mobiles, plain values, and the same refusals (blank, too long)."""

from datetime import date

import pytest
from sqlalchemy import select

from crm.campaigns import preparation
from crm.campaigns.models import Campaign, CampaignStatus, OutboxMessage
from crm.campaigns.preview import first_send_at
from crm.errors import Invalid
from crm.keys import CLOCK, SETTINGS
from crm.models import Agency, Phone
from tests.support.campaigns import ids
from tests.support.factories import NOW, make_lease

NAMES = ["Martin", "O'Brien", 'Dupont "le jeune"', "Lefèvre", "Benoît", "Chênaie", "O\u2019Neil",
         "Nguyễn", "Martin 🙂", "Crochet [x]", "Prix 5€", "  Espacé  ", "\u00a0Insécable\u00a0",
         "Tab\tulé", "Œuvray", "Ligne\nDeux", "N" * 120, "Δelta", "ÀÉÎÕÜ", "ç", "\u202fFin"]
BODIES = [
    "Bonjour {{ civility }} {{ last_name }}, coupure d'eau à {{ residence }}, bât. {{ building }}. "
    "{{ agency_name }} : {{ agency_phone }}",
    "{{ last_name }}",
    "  {{ last_name }} : l'eau revient ce soir à {{ building }}  ",
    "Bonjour {{ last_name }}, l\u2019eau revient ce soir. Merci\u00a0!",  # UCS-2 whatever the values
    "Bonjour {{ last_name }} 🙂 à {{ residence }}",
    "\u00a0{{ last_name }}\u00a0",  # white space outside GSM-7 only at the ends
    "Coût 5€ pour {{ last_name }}",  # an escape character in the manager's text: Python
    "Travaux " + "x" * 140 + " {{ last_name }} le {{ date }} ({{ building }}).",
]


async def estate(db) -> None:
    for i, name in enumerate(NAMES):
        await make_lease(db, residence="Les Provinces" if i % 3 else "La Chênaie", building="B" if i % 4 else "C\u00a0",
                         mobile=f"+336110{i:05d}", last_name=name, civility="M." if i % 2 else "Mme")
    await make_lease(db, mobile="+33611000001", last_name="Partage")  # a number already used
    await make_lease(db, mobile="+33611099999", last_name="Stop", opted_out=True)
    await make_lease(db, mobile=None, last_name="Sansmobile")
    moved = await make_lease(db, mobile="+33611088888", last_name="Déménagé", residence="La Chênaie",
                             lease_start=date(2025, 1, 1))
    await make_lease(db, tenant=await _tenant(db, moved.tenant_id), residence="Les Provinces",
                     lease_start=date(2026, 6, 1))
    async with db.session() as s:  # a second, later mobile: the first one is used
        s.add(Phone(tenant_id=moved.tenant_id, e164="+33611077777", kind="mobile", created_at=NOW))
        agency = (await s.scalars(select(Agency))).first()
        agency.phone = "+33254000000"
        await s.commit()


async def _tenant(db, tenant_id):
    from crm.models import Tenant

    async with db.session() as s:
        return await s.get(Tenant, tenant_id)


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


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("plain_values", [False, True])
async def test_the_rows_built_in_sql_are_those_python_builds(db, app, body, plain_values):
    await estate(db)
    variables = {"date": "mercredi 3 décembre"}
    python = await written(db, app, body, by_sql=False, plain_values=plain_values, variables=variables)
    sql = await written(db, app, body, by_sql=True, plain_values=plain_values, variables=variables)
    assert sql == python
    assert python[0] == len(NAMES) + 1  # the shared and opted-out numbers, the tenant without mobile


async def test_a_blank_or_too_long_text_is_refused_the_same_way(db, app):
    await estate(db)
    await make_lease(db, mobile="+33611066666", last_name="Sansprénom", first_name="  ")
    refusals = []
    for by_sql in (False, True):
        for body in ("Bonjour {{ first_name }} {{ last_name }}", "x" * 1500 + " {{ last_name }}"):
            with pytest.raises(Invalid) as refused:
                await written(db, app, body, by_sql=by_sql)
            refusals.append((body, refused.value.code, str(refused.value)))
    assert refusals[:2] == refusals[2:]
    assert [r[1] for r in refusals] == ["blank_placeholder", "message_too_long"] * 2
