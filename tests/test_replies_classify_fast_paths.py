"""The shortcuts that keep classification fast change no answer: the stem check in front of
the objection patterns, and the translate table of the normaliser."""

from __future__ import annotations

from pathlib import Path

from crm.inbox.replies.measure import read_labelled
from crm.inbox.replies.normalise import fold, normalise
from crm.inbox.replies.objections import objection_of, read_objection
from crm.text import strip_accents

# The development part: the first set, fresh replies written later (replies_dev2.csv), and
# replies written apart without seeing the code (replies_dev3.csv; replies_dev4.csv, on
# objections and re-subscriptions in every form).
DEV_FILES = [Path(__file__).parent / "data" / name
             for name in ("replies_dev.csv", "replies_dev2.csv", "replies_dev3.csv", "replies_dev4.csv")]


def _dev_rows() -> list[tuple[str, str, str]]:
    return [row for path in DEV_FILES for row in read_labelled(path)]


def test_skipping_the_objection_patterns_never_changes_the_answer():
    norms = [normalise(text) for text, _, _ in _dev_rows()]
    assert [objection_of(n) for n in norms] == [read_objection(n) for n in norms]
    assert sum(objection_of(n) is not None for n in norms) > 100  # it does find objections


def test_the_translate_table_folds_like_the_shared_accent_helper():
    text = "Ça fait déjà 3 jours ÉLÉVATEUR à l'arrêt, où être chauffé ? Noël ï ü ÿ"
    assert fold(text) == strip_accents(text.lower()).replace("’", "'")


def test_only_short_replies_can_be_a_keyword_alone():
    from crm.inbox.optout_words import is_opt_in, is_opt_out
    from crm.inbox.understanding import _KEYWORD_MAX

    long_keywords = [t for t, _, _ in _dev_rows() if (is_opt_out(t) or is_opt_in(t)) and len(t) > 20]
    assert long_keywords == [] and _KEYWORD_MAX >= 40
    assert is_opt_out(" S  T  O  P  !!! ") and len(" S  T  O  P  !!! ") < _KEYWORD_MAX


def test_every_callback_the_rules_find_names_one_of_the_call_stems():
    from crm.inbox.replies.rules import CALLBACK, first_hit
    from crm.inbox.understanding import _CALL_STEMS

    norms = [normalise(text) for text, _, _ in _dev_rows()]
    found = [n for n in norms if first_hit(CALLBACK, n)]
    assert len(found) > 80
    assert all(any(s in n for s in _CALL_STEMS) for n in found)


def test_the_stem_gates_read_from_the_patterns_never_turn_away_a_reply_the_pattern_matches():
    from crm.inbox.replies import objections, rules
    from crm.inbox.replies.prefilter import Gated

    families = [rules.PERSISTS_INSISTS, rules.PERSISTS_STATE, rules.CALLBACK, rules.SOLVED, rules.THANKS,
                objections._CLEAR_OUT, objections._POSSIBLE_OUT, objections._CLEAR_IN]
    gated = [rx for family in families for _, rx in family if isinstance(rx, Gated)]
    assert len(gated) >= 20  # most rules have a gate
    norms = [normalise(text) for text, _, _ in _dev_rows()]
    for gate in gated:
        assert [bool(gate.search(n)) for n in norms] == [bool(gate.rx.search(n)) for n in norms], gate.pattern[:80]


def test_stems_are_read_only_where_every_match_must_hold_one():
    from crm.inbox.replies.prefilter import required_stems

    assert set(required_stems(r"\b(?:toujours|encore) (?:pas|plus)\b") or ()) in ({"toujours", "encore"}, {"pas", "plus"})
    assert required_stems(r"\bmerci(?: beaucoup)?\b") == ("merci",)
    assert required_stems(r"(?:panne)?\w+") is None  # the optional word is not required
    assert set(required_stems(r"panne|\d+ jours") or ()) == {"panne", " jours"}
    assert required_stems(r"panne|\d+") is None  # a branch without a literal matches anything
    assert required_stems(r"(?i)panne") is None  # a case-blind pattern is not gated by exact stems


def test_patterns_split_at_their_start_anchors_find_the_same_words_as_the_whole_pattern():
    from crm.inbox.replies import objections, rules
    from crm.inbox.replies.prefilter import Gated, StartSplit

    families = [rules.PERSISTS_INSISTS, rules.PERSISTS_STATE, rules.CALLBACK, rules.SOLVED, rules.THANKS,
                objections._CLEAR_OUT, objections._POSSIBLE_OUT, objections._CLEAR_IN]
    patterns = [rules.QUESTION_START] + [rx for family in families for _, rx in family]
    splits = [rx.rx if isinstance(rx, Gated) else rx for rx in patterns]
    splits = [rx for rx in splits if isinstance(rx, StartSplit)]
    assert rules.QUESTION_START in splits and len(splits) >= 8
    norms = [normalise(text) for text, _, _ in _dev_rows()] + ["", "?", "a"]

    def words(m):  # noqa: ANN001, ANN202
        return m and (m.start(), m.group(0))

    for split in splits:
        assert [words(split.search(n)) for n in norms] == [words(split.rx.search(n)) for n in norms], split.pattern[:80]
    assert sum(bool(rules.QUESTION_START.search(n)) for n in norms) > 100  # it does find questions


def test_the_start_split_reads_alternatives_through_groups_classes_and_escapes():
    import re

    from crm.inbox.replies.prefilter import Gated, StartSplit, alternatives, prefiltered

    assert alternatives(r"(?:^a|b)|(?:c)|[|(]\||d(?:e|f)") == ["^a", "b", "(?:c)", r"[|(]\|", "d(?:e|f)"]
    assert alternatives(r"[]|]x|^y") == ["[]|]x", "^y"]  # a "]" first in a class is a literal
    split = prefiltered(re.compile(r"\bquand\b|^(?:et )?pour quand"))
    assert isinstance(split, Gated) and isinstance(split.rx, StartSplit)  # behind its stem, "quand"
    assert split.search("et pour quand ?").group(0) == "et pour quand"  # type: ignore[union-attr]
    assert split.search("mais et pour quand").group(0) == "quand"  # type: ignore[union-attr]  # "^" only at the start
    assert split.search("alors quand").group(0) == "quand"  # type: ignore[union-attr]
    assert not isinstance(prefiltered(re.compile(r"^a|b", re.MULTILINE)), StartSplit)
    # Alternatives that can match past the start stay searched there: a group opening on "^"
    # in one of its branches only, or made optional.
    for pattern, text, found in ((r"(?:^a|b)c|^zz", "xbc", "bc"), (r"(?:^a)?bc|^zz", "xbc", "bc"),
                                 (r"(?:^a|^b)c|zz", "xzz", "zz")):
        rx = prefiltered(re.compile(pattern))
        assert isinstance(rx.rx if isinstance(rx, Gated) else rx, StartSplit), pattern
        assert rx.search(text).group(0) == found, pattern  # type: ignore[union-attr]
        assert rx.search(text[1:]).group(0) == re.search(pattern, text[1:]).group(0)  # type: ignore[union-attr]
