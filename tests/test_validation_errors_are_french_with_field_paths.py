"""API validation errors keep machine-readable field paths and speak French, from one
translation of pydantic's errors (crm/web/validation.py)."""

from crm.campaigns.service import CampaignIn
from crm.web.validation import french_details
from tests.support.factories import api_user


def _details(raw):
    try:
        CampaignIn.model_validate(raw)
    except Exception as exc:  # pydantic.ValidationError
        return {d["field"]: d["message"] for d in french_details(exc)}
    raise AssertionError("expected a validation error")


def test_each_error_names_its_field_path_in_french():
    details = _details({"name": "", "category": "autre", "body": "x" * 5001,
                        "audience": {"buildings": ["B"]}, "send_at": "2026-12-01T10:00", "colour": 1})
    assert details == {
        "name": "Ce champ est obligatoire.",
        "category": "Valeur non reconnue ; valeurs possibles : 'outage', 'works', "
                    "'request_followup', 'rent_reminder' ou 'information'.",
        "body": "Au plus 5000 caractères.",
        "audience.buildings.0": "Un nombre entier est attendu.",
        "send_at": "La date et heure doit préciser son fuseau (ex. +01:00).",
        "colour": "Ce champ n'est pas attendu.",
    }


def test_a_missing_field_is_obligatoire():
    assert _details({"category": "works", "body": "x", "audience": {}})["name"] == "Ce champ est obligatoire."


async def test_the_api_answers_french_details_and_a_message_naming_the_fields(client, db):
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json={"name": "", "category": "works", "body": "Bonjour", "audience": {}})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "validation_error"
    assert error["details"] == [{"field": "name", "message": "Ce champ est obligatoire."}]
    assert error["message"] == "Champ invalide : name (ce champ est obligatoire)."
    assert "should" not in str(error)


async def test_an_empty_audience_is_flagged_on_the_audience_field(client, db):
    headers = await api_user(client, db, "manager", "Blois")
    resp = await client.post("/api/v1/campaigns", headers=headers,
                             json={"name": "Test", "category": "works", "body": "Bonjour", "audience": {}})
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "empty_audience"
    assert error["details"] == [{"field": "audience", "message": "Aucun destinataire choisi."}]
