"""A placeholder that would print blank ("coupure d'eau le  de  à .") is refused by name,
unless the template marks it ``| optionnel`` or guards it with ``{% if %}``."""

import pytest
from sqlalchemy import func, select

from crm.campaigns.models import OutboxMessage
from crm.campaigns.templating import MessageTemplate, check_variables_filled, required_placeholders
from crm.errors import Invalid
from tests.support.campaigns import building_b, ids
from tests.support.factories import api_user, make_lease

WATER = ("Coupure d'eau le {{ date }} de {{ start_time }} à {{ end_time }}. "
         "{{ agency_name }} {{ agency_phone | optionnel }}")


def test_a_printed_placeholder_is_required_unless_marked_optional_or_guarded():
    body = ("{{ date }} {{ entrance | optionnel }} {% if building %}bât. {{ building }}{% endif %} "
            "{{ residence | upper }}")
    assert required_placeholders(body) == {"date", "residence"}


def test_a_blank_campaign_variable_is_refused_naming_its_field_path():
    with pytest.raises(Invalid) as err:
        check_variables_filled(WATER, {"date": "12/12", "start_time": " ", "end_time": ""})
    assert err.value.code == "blank_placeholder"
    assert [d["field"] for d in err.value.details] == ["variables.end_time", "variables.start_time"]
    assert "{{ end_time }}" in err.value.message and "optionnel" in err.value.message


def test_an_optional_placeholder_may_be_blank_and_renders_nothing():
    t = MessageTemplate("Bonjour {{ last_name }}{{ entrance | optionnel }}.")
    assert t.blank_fields({"last_name": "Martin", "entrance": None}) == []
    assert t.render({"last_name": "Martin", "entrance": None}) == "Bonjour Martin."
    assert t.blank_fields({"last_name": "", "entrance": None}) == ["last_name"]


def _water(audience, **variables):
    return {"name": "Coupure", "category": "outage", "body": WATER, "audience": audience,
            "variables": {"date": "12/12", "start_time": "8 h", "end_time": "12 h", **variables}}


async def test_the_api_refuses_a_campaign_with_a_blank_value_and_names_the_field(client, db):
    await building_b(db, 2)
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json=_water({"buildings": [place["building"]]}, date=""))
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "blank_placeholder"
    assert error["details"][0]["field"] == "variables.date"


async def test_the_preview_lists_blank_values_as_problems_instead_of_refusing(client, db):
    await building_b(db, 2)
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns/preview", headers=headers,
                             json=_water({"buildings": [place["building"]]}, start_time=""))
    assert resp.status == 200
    body = await resp.json()
    assert body["blank"] == [{"field": "variables.start_time", "placeholder": "start_time",
                              "recipients": 0}]
    assert any("{{ start_time }}" in p for p in body["problems"])


async def test_launch_refuses_when_a_tenant_field_is_blank_for_some_recipients(client, db):
    await building_b(db, 1)
    await make_lease(db, building="B", entrance=None, mobile="+33611999999", last_name="Sans")
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    body = {"name": "Entrée", "category": "information", "audience": {"buildings": [place["building"]]},
            "body": "Bonjour {{ last_name }}, entrée {{ entrance }} : nettoyage demain."}
    preview = await (await client.post("/api/v1/campaigns/preview", headers=headers, json=body)).json()
    assert preview["blank"] == [{"field": "entrance", "placeholder": "entrance", "recipients": 1}]
    created = await (await client.post("/api/v1/campaigns", headers=headers, json=body)).json()
    resp = await client.post(f"/api/v1/campaigns/{created['id']}/launch", headers=headers)
    assert resp.status == 422
    assert (await resp.json())["error"]["details"][0]["field"] == "entrance"
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_marking_the_field_optional_lets_the_same_campaign_go(client, db):
    await make_lease(db, building="B", entrance=None, mobile="+33611999999", last_name="Sans")
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    body = {"name": "Entrée", "category": "information", "audience": {"buildings": [place["building"]]},
            "body": "Bonjour {{ last_name }}, nettoyage demain{{ entrance | optionnel }}."}
    created = await (await client.post("/api/v1/campaigns", headers=headers, json=body)).json()
    resp = await client.post(f"/api/v1/campaigns/{created['id']}/launch", headers=headers)
    assert resp.status == 202
    async with db.session() as s:
        assert (await s.scalars(select(OutboxMessage.body))).all() == ["Bonjour Sans, nettoyage demain."]
