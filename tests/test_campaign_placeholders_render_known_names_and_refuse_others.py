"""Message templates: known placeholders render per tenant, unknown ones are refused (422)."""

import pytest

from crm.campaigns.presets import PRESETS
from crm.campaigns.templating import MessageTemplate
from crm.errors import Invalid
from crm.sms.encoding import analyse
from tests.support.campaigns import building_b, ids, lift_campaign, set_agency_phone
from tests.support.factories import api_user

CONTEXT = {"first_name": "Sandrine", "last_name": "Martin", "civility": "Mme",
           "residence": "Les Provinces", "building": "B", "entrance": None,
           "agency_name": "Blois", "agency_phone": "02 54 00 00 00"}


def test_tenant_fields_and_campaign_variables_are_rendered():
    t = MessageTemplate("{{ civility }} {{ last_name }}, entrée {{ entrance }} : {{ referent_name }}",
                        {"referent_name": "M. Petit"})
    assert t.render(CONTEXT) == "Mme Martin, entrée  : M. Petit"


def test_an_unknown_placeholder_is_refused_with_its_name():
    with pytest.raises(Invalid) as err:
        MessageTemplate("Bonjour {{ prenom }} {{ last_name }}")
    assert err.value.code == "unknown_placeholder"
    assert err.value.details == {"unknown": ["prenom"]}
    assert "{{ prenom }}" in err.value.message


def test_the_sandbox_refuses_attribute_tricks():
    t = MessageTemplate("{{ last_name.__class__.__mro__ }}")
    with pytest.raises(Exception) as err:
        t.render(CONTEXT)
    assert "unsafe" in str(err.value).lower() or "attribute" in str(err.value).lower()


def test_a_broken_template_is_422_not_a_crash():
    with pytest.raises(Invalid) as err:
        MessageTemplate("Bonjour {{ last_name ")
    assert err.value.code == "template_syntax"


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.code)
def test_every_preset_is_french_gsm7_and_uses_known_names(preset):
    text = MessageTemplate(preset.body, {v: "12/12" for v in preset.variables}).render(CONTEXT)
    assert analyse(text).encoding == "GSM-7"
    assert analyse(text).segments <= 2
    assert "Bonjour" in text


async def test_creating_a_campaign_with_an_unknown_placeholder_answers_422(client, db):
    await building_b(db, 1)
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json=lift_campaign(place["building"], body="Bonjour {{ nom }}"))
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "unknown_placeholder"
    assert error["details"] == {"unknown": ["nom"]}


async def test_the_preview_renders_each_tenant_and_the_agency_phone(client, db):
    await building_b(db, 2)
    await set_agency_phone(db, "Blois", "+33254000000")
    headers = await api_user(client, db, "manager", "Blois")
    place = await ids(db, building="B")
    resp = await client.post("/api/v1/campaigns", headers=headers, json=lift_campaign(place["building"]))
    assert resp.status == 201
    campaign = await resp.json()
    resp = await client.get(f"/api/v1/campaigns/{campaign['id']}/preview", headers=headers)
    texts = [s["text"] for s in (await resp.json())["samples"]]
    assert texts[0] == ("Bonjour Mme Martin0, l'ascenseur de l'immeuble B est en panne. "
                        "Blois : 02 54 00 00 00")
    assert texts[1].startswith("Bonjour Mme Martin1,")
