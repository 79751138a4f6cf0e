"""The honest measure: the held-out replies hold intent accuracy at 92 % or better and
negative-tone F1 at 0.85 or better.

How the held-out part was kept apart: tests/data/replies_heldout.csv (columns text,intent,tone)
was written by a separate writer who never saw the classifier's code or the development set,
and copied into the repository byte for byte. Its rows were never opened, printed or grepped
while tuning; the rules were tuned on the development files only (replies_dev.csv to replies_dev4.csv). This test, like
bench/classify.py, prints aggregates only (accuracy per intent, the confusion matrix counts,
negative-tone F1) — never a reply, even when it fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.inbox.replies.measure import read_labelled, score

HELDOUT = Path(__file__).parent / "data" / "replies_heldout.csv"
DEV = Path(__file__).parent / "data" / "replies_dev.csv"


def test_the_corpus_holds_600_replies_with_a_held_out_part_of_at_least_a_third_of_that():
    """The issue asks for 600 replies, a third held out: the held-out part alone is over 200
    (a third of 600); the development part grew past 400 while the rules were improved on it,
    which the held-out part, written apart, cannot follow."""
    dev, held = len(read_labelled(DEV)), len(read_labelled(HELDOUT))
    assert dev >= 420 and held >= 230
    assert dev + held >= 600 and held >= 600 // 3


def test_the_held_out_part_is_not_copied_into_the_development_part():
    """Both writers wrote the issue's quoted replies and short ones ("Merci", "STOP"); beyond
    those, a held-out reply found in the development set would mean it leaked (a handful of
    common phrases may be written by both)."""
    from tests.test_replies_quoted_in_issue_15_get_their_intent import QUOTED

    def key(text: str) -> str:
        return " ".join(text.lower().split())

    quoted = {key(t) for t, _ in QUOTED} | {key("arrêtez de me relancer pour le loyer")}
    dev_texts = {key(text) for part in (DEV, DEV.with_name("replies_dev2.csv"), DEV.with_name("replies_dev3.csv"),
                                         DEV.with_name("replies_dev4.csv"))
                 for text, _, _ in read_labelled(part)}
    shared = [key(t) for t, _, _ in read_labelled(HELDOUT) if key(t) in dev_texts]
    unexplained = sum(1 for k in shared if len(k.split()) > 3 and k not in quoted)
    assert unexplained <= 3, f"{unexplained} longer held-out replies are also in the development set"


def _checked(capsys, accuracy: float, negative_f1: float) -> None:
    scores = score(read_labelled(HELDOUT))
    report = scores.report("held-out replies")
    with capsys.disabled():
        print("\n" + report)
    if scores.accuracy < accuracy or scores.negative_f1 < negative_f1:
        pytest.fail(f"below {accuracy:.0%} intent accuracy or {negative_f1} negative F1:\n{report}",
                    pytrace=False)


def test_held_out_accuracy_is_at_least_92_percent_and_negative_f1_at_least_0_85(capsys):
    """Issue 15's target. History: 91.1 % and 0.83 at landing; 90.4 % and 0.837 after the
    rules were widened on replies_dev2.csv; 92.4 % and 0.878 after replies_dev3.csv and
    replies_dev4.csv (both written apart, measured before tuning: 86.2 % and 81.8 %). Four
    replies of those two files (4 to 8 words) had been written word for word like held-out
    ones by the other writer; the leak check found them and they were taken out of the
    development files (92.3 % and 0.876 on the 298 other held-out replies)."""
    _checked(capsys, 0.92, 0.85)
