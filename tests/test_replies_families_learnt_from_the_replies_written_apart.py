"""Families of phrasings the rules learnt from tests/data/replies_dev3.csv (written apart),
checked on replies that are in none of the corpus files: the rules read the family, not the
lines they were tuned on."""

from __future__ import annotations

import pytest

from crm.inbox.understanding import Intent, understand


@pytest.mark.parametrize("text, intent", [
    # a nuisance that lingers or comes back
    ("les cafards sont toujours là malgré le passage", Intent.PROBLEM_PERSISTS),
    ("ya tjs des souris dans la cave", Intent.PROBLEM_PERSISTS),
    ("les infiltrations reviennent à chaque pluie", Intent.PROBLEM_PERSISTS),
    ("ça marche mais le bruit de la chaudière continue", Intent.PROBLEM_PERSISTS),
    ("il pleut toujours dans ma cuisine", Intent.PROBLEM_PERSISTS),
    ("le courant saute sans arrêt", Intent.PROBLEM_PERSISTS),
    ("le chauffage est revenu puis recoupé le soir", Intent.PROBLEM_PERSISTS),
    ("mon fils est toujours là pour m'aider", Intent.OTHER),  # a person, not a nuisance
    # solved, said otherwise
    ("l'odeur est partie merci", Intent.PROBLEM_SOLVED),
    ("le robinet ne fuit plus", Intent.PROBLEM_SOLVED),
    ("l'eau ne coule plus", Intent.PROBLEM_PERSISTS),  # water that stops is not a leak that stops
    ("la fuite a été colmatée", Intent.PROBLEM_SOLVED),
    ("cé réparé merci", Intent.PROBLEM_SOLVED),
    # SMS spellings after an apostrophe, calls and questions
    ("vs pouvez m'apl demain", Intent.CALLBACK_REQUEST),
    ("un appel serait bienvenu", Intent.CALLBACK_REQUEST),
    ("vous savez quand ça sera réparé", Intent.QUESTION),
    ("il faut prévoir combien de jours de coupure", Intent.QUESTION),
    ("on a le droit de s'absenter pendant les travaux", Intent.QUESTION),
    # objections: a STOP said on its own, reminders of one debt, a conditional question
    ("Arrêtez vos SMS le dimanche !!! STOP", Intent.OPT_OUT),
    ("stop aux relances, j'ai payé", Intent.OTHER),
    ("plus de sms si je mets le prélèvement ?", Intent.QUESTION),
    ("merci bien mais stop", Intent.OPT_OUT),
])
def test_each_family_is_read_beyond_the_lines_it_was_learnt_from(text, intent):
    assert understand(text).intent == intent, understand(text).decided_by


@pytest.mark.parametrize("text", [
    "vous êtes des escrocs",
    "je suis à bout",
    "c'est quand que vous allez réparer ???",
    "rappelez moi c'est la 4e fois que je demande",
    "je vais contacter un avocat",
    "1/5",
])
def test_anger_distress_and_low_ratings_read_as_negative(text):
    assert understand(text).sentiment == "negative"


@pytest.mark.parametrize("text", [
    "et pour les poussettes pendant la panne on fait comment",
    "on prend un chien, j'espère que ça gêne pas",
    "combien de temps dure la coupure ?",
])
def test_calm_questions_and_a_cancelled_bad_word_stay_neutral(text):
    assert understand(text).sentiment == "neutral"
