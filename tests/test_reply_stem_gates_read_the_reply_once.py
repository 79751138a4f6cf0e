"""The stem gates in front of the reply rules read each reply once, through one Aho-Corasick
automaton of every gate's stems (crm/inbox/replies/prefilter.py), and answer exactly what a
substring test of each stem would."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm.inbox.replies.measure import read_labelled
from crm.inbox.replies.normalise import normalise
from crm.inbox.replies.prefilter import STEMS, StemIndex, StemSet

DEV_FILES = [Path(__file__).parent / "data" / name
             for name in ("replies_dev.csv", "replies_dev2.csv", "replies_dev3.csv", "replies_dev4.csv")]


def test_overlapping_and_nested_stems_are_all_found():
    index = StemIndex()
    rappel, appel, pelez, absent = (index.register(s) for s in (("rappel",), ("appel",), ("pelez",), ("appe ",)))
    mask = index.open("merci de me rappelez")
    assert mask & rappel and mask & appel and mask & pelez  # inside one another, and across
    assert not mask & absent
    assert index.open("") == 0


def test_a_set_registered_after_a_reply_was_read_is_found_in_the_next_one():
    index = StemIndex()
    first = index.register(("panne",))
    assert index.open("ascenseur en panne") == first
    later = index.register(("ascenseur",))
    assert index.open("ascenseur toujours en panne") == first | later


def test_the_answer_kept_for_the_last_reply_is_never_given_to_another():
    index = StemIndex()
    bit = index.register(("fuite",))
    assert index.open("une fuite") == bit
    assert index.open("".join(["une ", "fuite"])) == bit  # the same words, another string
    assert index.open("rien") == 0
    assert index.open("une fuite") == bit


def test_a_stem_set_needs_stems():
    with pytest.raises(ValueError):
        StemSet(())
    with pytest.raises(ValueError):
        StemSet(("appel", ""))


def test_every_gate_of_the_rules_answers_like_a_substring_test_on_every_development_reply():
    from crm.inbox.replies import objections, rules
    from crm.inbox.replies.prefilter import Gated
    from crm.inbox.understanding import _CALL_STEMS

    families = [rules.PERSISTS_INSISTS, rules.PERSISTS_STATE, rules.CALLBACK, rules.SOLVED, rules.THANKS,
                objections._CLEAR_OUT, objections._POSSIBLE_OUT, objections._CLEAR_IN]
    stem_sets = [(rx.stems, rx.bit) for family in families for _, rx in family if isinstance(rx, Gated)]
    stem_sets += [(s.stems, s.bit) for s in (objections._HINTS, _CALL_STEMS)]
    assert len(stem_sets) >= 22
    norms = [normalise(text) for path in DEV_FILES for text, _, _ in read_labelled(path)]
    opened = 0
    for norm in norms:
        mask = STEMS.open(norm)
        for stems, bit in stem_sets:
            assert bool(mask & bit) == any(s in norm for s in stems), (stems[:5], norm)
            opened += bool(mask & bit)
    assert 0 < opened < len(norms) * len(stem_sets)  # gates open and gates stay shut


def test_the_single_patterns_behind_gates_find_what_they_found_without_them():
    import re

    from crm.inbox import understanding
    from crm.inbox.replies import objections
    from crm.inbox.replies.prefilter import Gated, StartSplit

    gated = {f"{module.__name__}.{name}": rx for module in (understanding, objections)
             for name, rx in vars(module).items() if isinstance(rx, (Gated, StartSplit))}
    assert {"crm.inbox.understanding._COMPLAINT", "crm.inbox.understanding._REPROACH",
            "crm.inbox.replies.objections._STOP_WORD", "crm.inbox.replies.objections._TOPIC"} <= set(gated)
    norms = [normalise(text) for path in DEV_FILES for text, _, _ in read_labelled(path)]
    norms += ["", "stop", "STOP", "pour le loyer stop"]
    for name, rx in gated.items():
        whole = re.compile(rx.pattern)

        def found(m):  # noqa: ANN001, ANN202
            return m and (m.start(), m.group(0))

        assert [found(rx.search(n)) for n in norms] == [found(whole.search(n)) for n in norms], name
