"""Every reply quoted in issue 15 (and the SMS French it lists) gets its right intent, and a
possible objection is flagged for a person instead of acting."""

from __future__ import annotations

import pytest

from crm.inbox.replies.normalise import normalise
from crm.inbox.understanding import Intent, understand

QUOTED = [
    # objections in sentences, or a keyword with other words
    ("plus de textos svp", Intent.OPT_OUT),
    ("retirez mon numéro de vos envois", Intent.OPT_OUT),
    ("je me désinscris", Intent.OPT_OUT),
    ("stop c bon merci", Intent.OPT_OUT),
    ("merci de ne plus m'envoyer de textos", Intent.OPT_OUT),
    # opt-in in a sentence
    ("vous pouvez de nouveau m'envoyer vos messages", Intent.OPT_IN),
    # polite callback requests
    ("je souhaiterais qu'on me rappelle", Intent.CALLBACK_REQUEST),
    ("un conseiller peut-il me joindre ?", Intent.CALLBACK_REQUEST),
    # a denial of a repair, a fix with thanks, a short question without a question mark
    ("on m'a dit que c'était réparé, c'est faux", Intent.PROBLEM_PERSISTS),
    ("ça marche de nouveau merci à vous", Intent.PROBLEM_SOLVED),
    ("le technicien passe quand", Intent.QUESTION),
    ("c'est pour tout le bâtiment", Intent.QUESTION),
    # SMS French: missing apostrophes, abbreviations, repeated letters, emoji
    ("jen ai marre tjs pas deau", Intent.PROBLEM_PERSISTS),
    ("menvoyez plus de sms", Intent.OPT_OUT),
    ("jaimerais etre rappelé", Intent.CALLBACK_REQUEST),
    ("tjrs pb de chauffage", Intent.PROBLEM_PERSISTS),
    ("bjr kan est ce ke le chauffagiste passe", Intent.QUESTION),
    ("slt c réparé mci bcp", Intent.PROBLEM_SOLVED),
    ("rapelez moi stp", Intent.CALLBACK_REQUEST),
    ("dsl jsp", Intent.OTHER),
    ("merciiiii", Intent.THANKS),
    ("👍", Intent.THANKS),
    ("😡😡", Intent.PROBLEM_PERSISTS),
    # negation scope
    ("c'est pas réparé", Intent.PROBLEM_PERSISTS),
    ("ça remarche pas", Intent.PROBLEM_PERSISTS),
    ("l'eau n'est toujours pas revenue", Intent.PROBLEM_PERSISTS),
    # several sentences: objection > problem persists > callback > question > solved > thanks
    ("Merci pour l'info. Je ne veux plus recevoir de SMS.", Intent.OPT_OUT),
    ("Rappelez-moi svp. Toujours pas de chauffage !", Intent.PROBLEM_PERSISTS),
    ("L'eau est revenue merci, pouvez-vous me rappeler ?", Intent.CALLBACK_REQUEST),
    ("L'eau est revenue. Vous passez quand pour le plafond ?", Intent.QUESTION),
    ("C'est réparé, merci beaucoup !", Intent.PROBLEM_SOLVED),
]


@pytest.mark.parametrize("text, intent", QUOTED, ids=[t for t, _ in QUOTED])
def test_the_reply_gets_its_intent(text, intent):
    got = understand(text)
    assert got.intent == intent, got.decided_by
    assert got.decided_by


@pytest.mark.parametrize("text", ["arrêtez de me relancer pour le loyer", "stop les travaux svp"])
def test_an_unclear_objection_is_not_an_opt_out_but_is_flagged(text):
    got = understand(text)
    assert got.intent != Intent.OPT_OUT
    assert got.review == Intent.OPT_OUT


@pytest.mark.parametrize("sms, normal", [
    ("jen ai marre", "j' en ai marre"), ("menvoyez", "m' envoyez"), ("jaimerais", "j' aimerais"),
    ("tjs tjrs pb bjr slt", "toujours toujours probleme bonjour salut"),
    ("stp svp mci bcp", "s' il te plait s' il vous plait merci beaucoup"),
    ("c bon ke kan jsp dsl", "c' est bon que quand je ne sais pas desole"),
    ("Désinscrivez-moi !!!", "desinscrivez moi !"), ("nooooon", "non"), ("merci 🙏 😡", "merci merci emoneg"),
    ("bâtiment C", "batiment c"),
])
def test_sms_french_is_brought_to_one_spelling(sms, normal):
    assert normalise(sms) == normal
