"""Replies to the satisfaction question: a digit 1–4 or clear French words give the score,
anything else is unknown (None: left in the inbox). Table-driven, from tests/data."""

import csv
from pathlib import Path

import pytest

from crm.requests.satisfaction import parse_score

DATA = Path(__file__).parent / "data" / "satisfaction_replies.csv"
with DATA.open(encoding="utf-8") as f:
    CASES = [(row["reply"], int(row["score"]) if row["score"] else None)
             for row in csv.DictReader(f, delimiter=";")]


def test_the_labelled_list_holds_at_least_sixty_answers_of_every_kind():
    assert len(CASES) >= 60
    assert {score for _, score in CASES} == {1, 2, 3, 4, None}


@pytest.mark.parametrize(("reply", "score"), CASES, ids=[r or "(vide)" for r, _ in CASES])
def test_a_reply_gives_its_score_or_none(reply, score):
    assert parse_score(reply) == score
