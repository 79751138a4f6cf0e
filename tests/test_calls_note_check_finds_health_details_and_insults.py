"""The note check finds health details and insults in French notes, with accents or not,
and leaves ordinary notes alone."""

import pytest

from crm.calls.note_check import sensitive_words

CASES = [
    ("Logement propre, locataire satisfaite de l'accueil.", []),
    ("Madame est en dépression depuis le déménagement", ["dépression"]),
    ("Monsieur sort de l'HOPITAL, rappeler plus tard", ["HOPITAL"]),
    ("enfant handicapé, demande de douche adaptée", ["handicapé"]),
    ("Le voisin du dessus est un vrai connard selon elle", ["connard"]),
    ("Traité d'abruti et d'imbécile par le gardien", ["abruti", "imbécile"]),
    ("En arrêt maladie, disponible le matin", ["arrêt maladie"]),
    ("Demande de contrat d'entretien chaudière", []),
    ("Problème de connexion internet", []),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_sensitive_words(text, expected):
    assert sensitive_words(text) == expected


def test_words_found_in_several_notes_are_listed_once():
    assert sensitive_words("cancer", "Cancer du voisin", None) == ["cancer"]


async def test_an_attempt_note_with_an_insult_is_refused_unless_confirmed(client, db):
    from tests.support.calls import attempts_of, new_task
    from tests.support.factories import api_user

    task = await new_task(db)
    headers = await api_user(client, db)
    body = {"outcome": "refused", "note": "Locataire agressif, traité de connard"}
    resp = await client.post(f"/api/v1/calls/{task.id}/attempts", json=body, headers=headers)
    assert resp.status == 422
    assert (await resp.json())["error"]["details"]["words"] == ["connard"]
    assert await attempts_of(db, task.id) == []
    resp = await client.post(f"/api/v1/calls/{task.id}/attempts", json={**body, "confirm_sensitive": True}, headers=headers)
    assert resp.status == 200
    assert [a.note for a in await attempts_of(db, task.id)] == [body["note"]]
