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
