"""The preview computes each distinct text once and counts the recipients sharing it: its
figures equal those of rendering and analysing every recipient one by one (shared and
distinct values, accents GSM-7 lacks, blanks, an emoji, long texts, exclusions)."""

from crm.campaigns.models import Campaign
from crm.campaigns.preview import preview
from crm.keys import CLOCK, SETTINGS
from tests.support.campaigns import ids, reference_figures
from tests.support.factories import make_lease

NAMES = ["Martin", "Lefèvre", "Benoît", "Martin", "Nguyễn", "Martin", "Østergård",
         "Dupont-Laurent-de-la-Tour", "Martin 🙂", "Œuvray", "Lefèvre"]


async def estate(db) -> None:
    for i in range(36):
        name = NAMES[i % len(NAMES)]
        await make_lease(db, building="B" if i % 3 else "C", mobile=f"+336110{i:05d}" if i % 11 else None,
                         last_name=name, first_name="" if i % 4 == 0 else "Zoé",
                         civility="M." if i % 2 else "Mme", residence="Les Provinces")
    await make_lease(db, building="B", mobile="+33611000001", last_name="Doublon")  # shared number
    await make_lease(db, building="B", mobile="+33611099999", last_name="Stop", opted_out=True)


async def check(db, app, body: str, **fields) -> dict:
    place = await ids(db)
    campaign = Campaign(name="T", category="information", body=body, created_at=app[CLOCK].now(),
                        audience={"residences": [place["residence"]]}, agency_id=place["agency"], **fields)
    seen = await preview_of(db, app, campaign)
    want = await reference_figures(db, campaign, app[SETTINGS], app[CLOCK].now())
    for key in ("recipients", "excluded", "total_segments", "segments_per_message", "longest_characters",
                "encoding", "ucs2_characters", "samples", "longest"):
        assert seen[key] == want[key], key
    assert {b["placeholder"]: b["recipients"] for b in seen["blank"]} == want["blank"]
    assert seen["estimated_cost"] == round(want["total_segments"] * app[SETTINGS].sms_cost_per_segment, 2)
    return {"seen": seen, "want": want}


async def preview_of(db, app, campaign):
    async with db.session() as s:
        return await preview(s, campaign, app[SETTINGS], app[CLOCK].now())


async def test_a_message_naming_each_tenant_adds_up_like_one_by_one(db, app):
    await estate(db)
    got = await check(db, app, "Bonjour {{ civility }} {{ first_name }} {{ last_name }}, l'eau sera "
                               "coupée demain de 9h à 12h, immeuble {{ building }} {{ entrance | optionnel }}. Merci.")
    seen, want = got["seen"], got["want"]
    assert seen["recipients"] > 20 and seen["excluded"]["no_mobile"] > 0
    assert seen["encoding"] == "UCS-2" and "ễ" in seen["ucs2_characters"]
    assert seen["blank"] and seen["blank"][0]["placeholder"] == "first_name"  # refused at launch
    effect = seen["plain_values_effect"]
    assert (effect["total_segments"], effect["segments_per_message"]) == (want["plain_total"], want["plain_longest"])
    assert want["plain_total"] < want["total_segments"]  # plain values save segments here


async def test_a_long_message_with_few_distinct_values_adds_up_like_one_by_one(db, app):
    await estate(db)
    got = await check(db, app, "Travaux " + "x" * 150 + " {{ civility }} {{ building }}.", variables={})
    assert got["seen"]["segments_per_message"] == 2 and got["seen"]["encoding"] == "GSM-7"
