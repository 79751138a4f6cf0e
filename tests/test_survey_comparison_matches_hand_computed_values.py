"""One comparison row from two lists of scores, checked against arithmetic done by hand.

Satisfaction rate = (answers 3 and 4) / (answers other than "ne sait pas") on both sides.
"""

import pytest

from crm.surveys.comparison import compare
from crm.surveys.stats import two_proportion_z, wilson_interval

NSP = None


def test_ne_sait_pas_answers_are_left_out_of_n_and_of_the_rate():
    # calls: 4, 3, 2, NSP -> 2 satisfied out of 3 answers -> 0.6667
    # survey: 4, 1, NSP, NSP -> 1 satisfied out of 2 answers -> 0.5
    # difference: (2/3 - 1/2) x 100 = 16.666... -> 16.7 points
    row = compare([4, 3, 2, NSP], [4, 1, NSP, NSP])
    assert row.calls.n == 3 and row.calls.rate == pytest.approx(2 / 3)
    assert row.survey.n == 2 and row.survey.rate == 0.5
    assert row.difference_points == 16.7
    assert row.significant is False


def test_a_theme_without_answers_has_a_null_rate_and_no_difference():
    row = compare([], [3, 4])
    assert (row.calls.rate, row.calls.n) == (None, 0)
    assert row.survey.rate == 1.0 and row.survey.n == 2
    assert row.difference_points is None
    assert row.significant is False
    assert row.calls.ci is None


def test_only_ne_sait_pas_counts_as_no_answer():
    row = compare([NSP, NSP], [NSP])
    assert (row.calls.rate, row.calls.n, row.survey.rate, row.survey.n) == (None, 0, None, 0)
    assert row.difference_points is None


def test_a_huge_gap_on_small_samples_is_never_significant():
    # 29 answers each: 29/29 satisfied vs 0/29. z would be about 7.6, but n < 30.
    row = compare([4] * 29, [1] * 29)
    assert row.difference_points == 100.0
    assert two_proportion_z(29, 29, 0, 29) > 7
    assert row.significant is False
    # Also when only one side is small.
    assert compare([4] * 200, [1] * 29).significant is False


def test_a_clear_gap_with_at_least_30_answers_each_is_significant():
    # calls: 27 satisfied of 30 = 0.9; survey: 20 of 40 = 0.5
    # pooled p = 47/70 = 0.671429; p(1-p) = 0.220612; 1/30 + 1/40 = 0.058333
    # se = sqrt(0.220612 x 0.058333) = 0.113442; z = (0.9 - 0.5) / 0.113442 = 3.526 > 1.96
    row = compare([4] * 20 + [3] * 7 + [2] * 3, [3] * 20 + [1] * 20)
    assert row.calls.n == 30 and row.survey.n == 40
    assert two_proportion_z(27, 30, 20, 40) == pytest.approx(3.526, abs=1e-3)
    assert row.difference_points == 40.0
    assert row.significant is True


def test_a_moderate_gap_with_30_answers_each_is_not_significant():
    # calls 24/30 = 0.8, survey 20/30 = 0.6667; pooled 44/60 = 0.7333
    # se = sqrt(0.7333 x 0.2667 x (2/30)) = 0.114180; z = 0.13333 / 0.114180 = 1.168 < 1.96
    row = compare([3] * 24 + [1] * 6, [4] * 20 + [2] * 10)
    assert two_proportion_z(24, 30, 20, 30) == pytest.approx(1.168, abs=1e-3)
    assert row.difference_points == 13.3
    assert row.significant is False


def test_the_difference_is_rounded_half_up_to_one_decimal():
    # calls 49/400 = 0.1225, survey 0/10 = 0 -> exactly 12.25 points -> 12.3 (not 12.2)
    row = compare([4] * 49 + [1] * 351, [1] * 10)
    assert row.difference_points == 12.3
    # and negative when the survey is happier: 1/4 - 3/4 = -50.0
    assert compare([4, 1, 1, 1], [4, 4, 4, 1]).difference_points == -50.0


def test_both_sides_fully_satisfied_is_no_difference_at_all():
    row = compare([4] * 40, [3] * 35)
    assert row.difference_points == 0.0
    assert two_proportion_z(40, 40, 35, 35) == 0.0
    assert row.significant is False


def test_wilson_intervals_match_the_textbook_formula():
    # x=8, n=10: p=0.8, z^2=3.8416, denominator 1 + 3.8416/10 = 1.38416
    # centre = (0.8 + 3.8416/20) / 1.38416 = 0.716738
    # half = 1.96 x sqrt(0.8x0.2/10 + 3.8416/400) / 1.38416 = 1.96 x 0.160013 / 1.38416 = 0.226584
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)
    # 0 of 5 stays inside [0, 1]: (0, 3.8416/5 / (1 + 3.8416/5)) = (0, 0.4345)
    assert wilson_interval(0, 5) == (0.0, pytest.approx(0.4345, abs=1e-4))
    assert wilson_interval(0, 0) is None
    # the row carries them for the chart
    ci = compare([4] * 8 + [1] * 2, []).calls.ci
    assert ci == (pytest.approx(0.4902, abs=1e-4), pytest.approx(0.9433, abs=1e-4))
