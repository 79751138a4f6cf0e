"""Understanding tenant replies on the development set (tests/data/replies_dev.csv, written
and tuned together, so its figure only guards against regressions; the honest measure is the
held-out part, tests/test_replies_heldout_accuracy.py), and the rules the spec names."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.inbox.replies.measure import read_labelled, score
from crm.inbox.understanding import Intent, pattern_polarity, sentiment, understand

# The development part: the first set, fresh replies written later (replies_dev2.csv), and
# replies written apart without seeing the code (replies_dev3.csv; replies_dev4.csv, on
# objections and re-subscriptions in every form).
DEV_FILES = [Path(__file__).parent / "data" / name
             for name in ("replies_dev.csv", "replies_dev2.csv", "replies_dev3.csv", "replies_dev4.csv")]


def _dev_rows() -> list[tuple[str, str, str]]:
    return [row for path in DEV_FILES for row in read_labelled(path)]


def test_the_development_set_holds_420_replies_covering_every_intent_and_tone():
    rows = _dev_rows()
    assert len(rows) >= 420
    assert {intent for _, intent, _ in rows} == set(Intent.ALL)
    assert {tone for _, _, tone in rows} == {"negative", "neutral", "positive"}


def test_the_development_set_stays_classified_as_labelled(capsys):
    scores = score(_dev_rows())
    with capsys.disabled():
        print("\n" + scores.report("development set"))
    misses = [f"  {text!r}: expected {intent}, got {understand(text).intent} ({understand(text).decided_by})"
              for text, intent, _ in _dev_rows() if understand(text).intent != intent]
    assert scores.accuracy >= 0.97, "\n".join(misses)
    assert scores.negative_f1 >= 0.90


def test_every_classification_names_the_rule_that_decided():
    for text, _, _ in _dev_rows():
        assert understand(text).decided_by


def test_the_done_when_example_is_a_negative_problem_persists():
    u = understand("toujours pas d'eau au bâtiment B !!")
    assert u.intent == Intent.PROBLEM_PERSISTS
    assert u.sentiment == "negative" and u.score <= -0.5


def test_the_pattern_analyzer_alone_misreads_a_complaint_that_the_rules_catch():
    # DESIGN.md decision 6: the polarity is a hint, the French rules decide.
    assert pattern_polarity("toujours pas d'eau chaude") > 0
    assert sentiment("toujours pas d'eau chaude")[1] < 0


@pytest.mark.parametrize("text, intent", [
    ("l'ascenseur ne marche pas", Intent.PROBLEM_PERSISTS),  # negation
    ("l'ascenseur marche", Intent.PROBLEM_SOLVED),
    ("encore en panne", Intent.PROBLEM_PERSISTS),
    ("tjrs pb de chauffage", Intent.PROBLEM_PERSISTS),  # SMS spellings
    ("rappelez-moi svp", Intent.CALLBACK_REQUEST),
    ("Arrêtez de m'appeler", Intent.OTHER),  # a callback request negated
    ("merci 🙏", Intent.THANKS),  # emoji
    ("👎", Intent.PROBLEM_PERSISTS),
    ("c'est prévu quand ?", Intent.QUESTION),
    ("Quelle honte ce bâtiment", Intent.OTHER),  # an exclamation, not a question
    ("Thank you", Intent.OTHER),  # another language: a person reads it
    ("شكرا", Intent.OTHER),
    ("", Intent.OTHER),
])
def test_each_french_rule_decides_the_intent(text, intent):
    assert understand(text).intent == intent


@pytest.mark.parametrize("text, label", [
    ("Locataire très satisfaite de l'accueil, logement propre et lumineux.", "positive"),
    ("Locataire mécontent : fuite sous l'évier non réparée, chauffage en panne.", "negative"),
    ("Pas de problème particulier signalé.", "positive"),
    ("Entretien réalisé, rendez-vous fixé pour l'état des lieux.", "neutral"),
    ("Le logement n'est pas propre, la locataire est déçue.", "negative"),
])
def test_sentiment_reads_interview_summaries_too(text, label):
    got, score_ = sentiment(text)
    assert got == label
    assert -1.0 <= score_ <= 1.0


def test_the_fresh_development_replies_stay_classified_as_labelled():
    """replies_dev2.csv was written after the rules (SMS spelling, works, follow-ups, rent,
    ratings, wrong numbers, other languages) and measured before they were widened for it:
    86 % (negative F1 0.83) with the rules it was written against; it guards what was learnt."""
    rows = read_labelled(DEV_FILES[1])
    assert len(rows) >= 300
    scores = score(rows)
    assert scores.accuracy >= 0.96, scores.report("fresh development replies")
    assert scores.negative_f1 >= 0.95


def test_the_replies_written_apart_stay_classified_as_labelled():
    """replies_dev3.csv was written by a writer who never saw the code nor the other files:
    86.2 % intent accuracy (negative F1 0.867) with the rules of that day; the rules were then
    widened for families of phrasings it showed (lingering pests and damp, relapses, SMS
    spellings, trailing STOP, low ratings...). It guards what was learnt."""
    rows = read_labelled(DEV_FILES[2])
    assert len(rows) >= 500
    scores = score(rows)
    assert scores.accuracy >= 0.98, scores.report("replies written apart")
    assert scores.negative_f1 >= 0.94


def test_the_objections_written_apart_stay_classified_as_labelled():
    """replies_dev4.csv (330 replies on objections and re-subscriptions in every form, written
    apart by hand): 81.8 % intent accuracy (negative F1 0.748) with the rules of that day; the
    rules were then widened for families it showed (spaced and glued elisions, misspelt
    keywords, refusals of every kind, undoing an opt-out, questions without "?"). It guards
    what was learnt."""
    rows = read_labelled(DEV_FILES[3])
    assert len(rows) >= 300
    scores = score(rows)
    assert scores.accuracy >= 0.97, scores.report("objections written apart")
    assert scores.negative_f1 >= 0.86
