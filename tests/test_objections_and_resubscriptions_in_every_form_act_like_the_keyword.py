"""Objections and re-subscriptions in every form (families learnt from tests/data/replies_dev4.csv,
written apart), checked on replies that are in none of the corpus files. The CNIL accepts an
objection "in any form": a clear one opts the number out like STOP; a doubtful one is only
flagged "objection possible" for a person (crm/inbox/replies/objections.py keeps that boundary)."""

from __future__ import annotations

import pytest

from crm.inbox.understanding import Intent, understand


@pytest.mark.parametrize("text", [
    # spaced or glued elisions, misspelt verbs and keywords
    "arretez de m envoyer vos alertes",
    "merci de ne plus m ecrire",
    "jmoppose a recevoir vos textos",
    "desabonez moi",
    "desabo svp",
    "stpo",
    "stopé les messages",
    # refusals said otherwise
    "arrêt définitif de vos sms",
    "cessez de lui en envoyer, elle est à l'hôpital",
    "plus besoin de m'envoyer des alertes, j'ai déménagé",
    "je ne souhaite plus en recevoir",
    "je n'ai plus envie de lire vos enquêtes ni recevoir vos messages",
    "je refuse d'être sollicité par sms",
    "je m'oppose à l'utilisation de mon numéro pour vos envois",
    "je voudrais être désinscrite",
    "désinscris-moi",
    "STOP ! Vos messages arrivent en pleine nuit",
    "stop stop merci",
    "c'est le 4ème fois que je dis stop",
    "please unsubscribe",
])
def test_a_clear_objection_in_any_form_opts_the_number_out(text):
    u = understand(text)
    assert (u.intent, u.review) == (Intent.OPT_OUT, None), u.decided_by


@pytest.mark.parametrize("text", [
    "startt",
    "je veux bien re recevoir les alertes",
    "annulez ma désinscription svp",
    "je retire mon désabonnement",
    "j'aimerais les recevoir de nouveau",
    "depuis que j'ai mis stop je rate les coupures d'eau, remettez-moi",
    "réactivation de mon abonnement aux sms",
    "finalement je préfère avoir les textos",
    "je donne mon consentement pour être informée par sms",
    "vous pouvez me renvoyer par sms les infos",
    "je me rabonne aux alertes",
])
def test_a_re_subscription_in_any_form_opts_the_number_back_in(text):
    u = understand(text)
    assert u.intent == Intent.OPT_IN, u.decided_by


@pytest.mark.parametrize("text", [
    "arrêtez de me relancer pour les charges",
    "stop les travaux le samedi svp",
])
def test_a_doubtful_objection_is_flagged_not_acted_on(text):
    u = understand(text)
    assert u.intent != Intent.OPT_OUT and u.review == "opt_out", u.decided_by


@pytest.mark.parametrize("text", [
    "stop au tapage dans l'escalier",
    "l'arrêt du tram est loin de la résidence",
    "j'ai changé de numéro, le nouveau : 06 10 20 30 40",
    "ne m'envoyez plus de lettres recommandées, les sms suffisent",
    "vous pouvez me retirer de la liste d'attente, c'est bon",
    "comment faire pour ne plus recevoir la facture papier",
])
def test_what_only_looks_like_an_objection_opts_nobody_out(text):
    assert understand(text).intent != Intent.OPT_OUT


@pytest.mark.parametrize("text", [
    "vous avez bien reçu mon chèque",
    "il y a moyen d'avoir un créneau le matin",
    "la visite de jeudi est toujours maintenue",
    "c'est pour quelle entrée exactement",
    "vous prévenez par courrier ou seulement par sms",
    "c'est obligatoire de répondre à l'enquête",
])
def test_a_question_without_a_question_mark_is_a_question(text):
    assert understand(text).intent == Intent.QUESTION
