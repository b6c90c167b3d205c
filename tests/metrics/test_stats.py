"""CX metric statistics against hand-worked and published values, plus properties (hypothesis).

z = 1.959964 is the 0.975 quantile of the standard normal (any table); t values are from scipy and agree
with printed tables to the digits quoted.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from cxhub.metrics.stats import (
    CES_EASY_MIN,
    CSAT_TOP2_MIN,
    METRICS,
    MIN_SAMPLE,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    Comparison,
    compare_means,
    compare_nps,
    compare_proportions,
    holm,
    mean,
    mean_stats,
    merge_means,
    merge_nps,
    merge_proportions,
    nps,
    nps_counts,
    proportion,
    top_box_counts,
)

counts = st.integers(min_value=0, max_value=400)
nps_groups = st.tuples(counts, counts, counts)
nps_answers = st.lists(st.integers(min_value=0, max_value=10), max_size=60)


# --- NPS -------------------------------------------------------------------------------------------


def test_nps_wald_interval_uses_the_multinomial_variance_of_the_difference() -> None:
    # Computed by hand, formula of Rocks (2016), The American Statistician 70(4):
    # 50 promoters, 30 passives, 20 detractors: p_P = .5, p_D = .2, NPS = 30.
    # var = (.5 + .2 - .3²) / 100 = .61 / 100 = .0061; se = .078102; margin = 1.959964 × 7.8102 = 15.3078.
    estimate = nps(50, 30, 20, method="wald")
    assert estimate.value == pytest.approx(30.0)
    assert estimate.ci_low == pytest.approx(14.6922, abs=1e-4)
    assert estimate.ci_high == pytest.approx(45.3078, abs=1e-4)
    assert estimate.margin == pytest.approx(15.3078, abs=1e-4)
    assert estimate.n == 100 and not estimate.small_sample


def test_nps_adjusted_wald_adds_rocks_pseudo_counts() -> None:
    # Adjusted-Wald as described by Rocks (2016) and MeasuringU (Sauro & Lewis, "Evaluating NPS confidence
    # intervals", 2021): add ¾ promoter, 1½ passive, ¾ detractor (n + 3). Computed by hand:
    # p_P = 50.75/103 = .492718, p_D = 20.75/103 = .201456, centre = 29.1262
    # var = (.694175 − .291262²) / 103 = (.694175 − .084834) / 103 = .0059159; se = .0769151
    # interval = 29.1262 ± 1.959964 × 7.69151 = 29.1262 ± 15.0751 = [14.0511, 44.2013]
    estimate = nps(50, 30, 20)
    assert estimate.value == pytest.approx(30.0)  # the reported score is the observed one
    assert estimate.ci_low == pytest.approx(14.0511, abs=1e-4)
    assert estimate.ci_high == pytest.approx(44.2013, abs=1e-4)


def test_nps_variance_equals_the_variance_of_plus_minus_one_scores() -> None:
    # Independent check of the formula: NPS/100 is the mean of +1 (promoter), 0 (passive), −1 (detractor),
    # so its standard error is the population sd of those scores over √n.
    scores = np.array([1] * 37 + [0] * 41 + [-1] * 22)
    se = scores.std(ddof=0) / math.sqrt(len(scores))
    estimate = nps(37, 41, 22, method="wald")
    assert estimate.margin == pytest.approx(100 * 1.959963985 * se)


def test_all_promoters_keep_a_real_interval_with_adjusted_wald_but_not_with_wald() -> None:
    assert nps(12, 0, 0, method="wald").margin == 0.0
    adjusted = nps(12, 0, 0)
    assert adjusted.value == 100.0 and adjusted.ci_high == 100.0
    assert adjusted.ci_low is not None and adjusted.ci_low < 90.0


def test_one_answer_interval_still_contains_the_observed_score() -> None:
    # With n = 1 the pseudo-counts would centre the interval so far from ±100 that it excludes it.
    assert nps(1, 0, 0).ci_high == 100.0
    assert nps(0, 0, 1).ci_low == -100.0


def test_empty_group_has_no_value_but_a_count() -> None:
    estimate = nps(0, 0, 0)
    assert estimate.to_dict() == {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n": 0,
        "margin": None,
        "small_sample": True,
    }


def test_small_samples_are_flagged_not_hidden() -> None:
    assert nps(10, 10, MIN_SAMPLE - 21).small_sample
    assert nps(10, 10, MIN_SAMPLE - 20).value is not None
    assert not nps(10, 10, MIN_SAMPLE - 20).small_sample
    assert nps(10, 10, 9, min_sample=10).small_sample is False


def test_sql_sums_arrive_as_decimals_and_are_accepted() -> None:
    assert nps(Decimal(50), Decimal(30), Decimal(20)) == nps(50, 30, 20)  # type: ignore[arg-type]
    assert mean(Decimal(8), Decimal(40), Decimal(232)) == mean(8, 40.0, 232.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [(-1, 0, 0), (1.5, 0, 0), (True, 0, 0), (float("nan"), 1, 1)])
def test_counts_must_be_non_negative_integers(bad: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        nps(*bad)


def test_unknown_method_and_confidence_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="method"):
        nps(1, 1, 1, method="bootstrap")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="confidence"):
        nps(1, 1, 1, confidence=1.0)


def test_nps_counts_split_at_the_standard_thresholds() -> None:
    # Reichheld's definition: 9–10 promoters, 7–8 passives, 0–6 detractors.
    assert nps_counts([0, 6, 7, 8, 9, 10]) == (2, 2, 2)
    assert (NPS_PROMOTER_MIN, NPS_DETRACTOR_MAX) == (9, 6)
    for bad in (-1, 11, float("nan")):
        with pytest.raises(ValueError):
            nps_counts([bad])


@given(nps_groups, st.sampled_from(["wald", "adjusted_wald"]))
def test_nps_and_its_interval_stay_on_the_scale_and_contain_the_score(group: tuple[int, int, int], method: str) -> None:
    estimate = nps(*group, method=method)  # type: ignore[arg-type]
    if sum(group) == 0:
        assert estimate.value is None
        return
    assert estimate.value is not None and estimate.ci_low is not None and estimate.ci_high is not None
    assert -100.0 <= estimate.ci_low <= estimate.value <= estimate.ci_high <= 100.0


@given(nps_answers, nps_answers)
def test_merging_groups_equals_the_score_of_all_their_answers(first: list[int], second: list[int]) -> None:
    merged = merge_nps(nps_counts(first), nps_counts(second))
    assert merged == nps_counts(first + second)
    assert nps(*merged) == nps(*nps_counts(first + second))


# --- proportions -----------------------------------------------------------------------------------


def test_wilson_interval_for_8_of_10() -> None:
    # Wilson (1927) score interval, computed by hand: p = .8, z² = 3.841459
    # centre = (.8 + 3.841459/20) / (1 + 3.841459/10) = .992073 / 1.384146 = .716739
    # half = 1.959964 / 1.384146 × √(.8 × .2 / 10 + 3.841459 / 400) = 1.416009 × .160012 = .226579
    estimate = proportion(8, 10)
    assert estimate.value == pytest.approx(80.0)
    assert estimate.ci_low == pytest.approx(49.016, abs=1e-3)
    assert estimate.ci_high == pytest.approx(94.332, abs=1e-3)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0000, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_1998(successes: int, n: int, low: float, high: float) -> None:
    # Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
    # methods", Statistics in Medicine 17, Table I, method 3 (score interval without continuity correction).
    estimate = proportion(successes, n)
    assert estimate.ci_low is not None and estimate.ci_high is not None
    assert round(estimate.ci_low / 100, 4) == low
    assert round(estimate.ci_high / 100, 4) == high


def test_proportion_refuses_more_successes_than_answers() -> None:
    with pytest.raises(ValueError, match="exceed"):
        proportion(11, 10)


def test_top_box_counts_use_the_metric_thresholds() -> None:
    assert top_box_counts([1, 2, 3, 4, 5, 5], minimum=CSAT_TOP2_MIN) == (3, 6)
    assert top_box_counts([1, 4, 5, 7], minimum=CES_EASY_MIN) == (2, 4)


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_proportion_interval_lies_in_0_100_and_contains_the_share(a: int, b: int) -> None:
    successes, n = min(a, b), max(a, b)
    estimate = proportion(successes, n)
    if n == 0:
        assert estimate.value is None
        return
    assert estimate.value is not None and estimate.ci_low is not None and estimate.ci_high is not None
    assert 0.0 <= estimate.ci_low <= estimate.value <= estimate.ci_high <= 100.0


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=200), st.integers(2, 20))
def test_proportion_interval_narrows_as_n_grows_at_a_fixed_rate(a: int, b: int, factor: int) -> None:
    successes, n = min(a, b), max(a, b)
    small, large = proportion(successes, n), proportion(successes * factor, n * factor)
    assert large.margin is not None and small.margin is not None
    assert large.margin < small.margin


# --- means -----------------------------------------------------------------------------------------


def test_mean_student_t_interval_from_sums() -> None:
    # Computed by hand for the answers 2, 4, 4, 4, 5, 5, 7, 9: n = 8, Σx = 40, Σx² = 232, mean = 5,
    # s² = (232 − 40²/8) / 7 = 32/7 = 4.571429, se = √(4.571429/8) = .755929,
    # t(.975, 7 df) = 2.364624 (tables: 2.365), margin = 1.787488 → [3.212512, 6.787488].
    estimate = mean(8, 40, 232)
    assert estimate.value == pytest.approx(5.0)
    assert estimate.ci_low == pytest.approx(3.212512, abs=1e-6)
    assert estimate.ci_high == pytest.approx(6.787488, abs=1e-6)
    assert mean_stats([2, 4, 4, 4, 5, 5, 7, 9]) == (8, 40.0, 232.0)


@pytest.mark.parametrize("answers", [[3, 5], [1, 2, 2, 7], list(range(1, 8)) * 5, [4, 6] * 600])
def test_mean_interval_is_scipys_student_t_interval(answers: list[int]) -> None:
    n, total, total_sq = mean_stats(answers)
    estimate = mean(n, total, total_sq, scale=(-100, 100))  # wide: nothing clipped
    low, high = scipy_stats.t.interval(0.95, n - 1, loc=np.mean(answers), scale=scipy_stats.sem(answers))
    assert (estimate.ci_low, estimate.ci_high) == pytest.approx((low, high), rel=1e-12)


def test_mean_interval_is_clipped_to_the_answer_scale() -> None:
    estimate = mean(*mean_stats([7, 7, 7, 6]), scale=(1, 7))
    assert estimate.ci_high == 7.0
    assert estimate.ci_low is not None and estimate.ci_low < 6.75


def test_rounding_cannot_make_the_variance_negative() -> None:
    # 0.1 three times: Σx² − (Σx)²/n = 0.030000000000000006 − 0.09000000000000002/3 < 0 in floating point.
    n, total, total_sq = mean_stats([0.1, 0.1, 0.1])
    assert total_sq - total * total / n < 0
    estimate = mean(n, total, total_sq)
    assert estimate.margin == 0.0 and estimate.ci_low == estimate.ci_high == pytest.approx(0.1)


def test_one_answer_has_a_mean_but_no_interval() -> None:
    assert mean(1, 4.0, 16.0).to_dict() == {
        "value": 4.0,
        "ci_low": None,
        "ci_high": None,
        "n": 1,
        "margin": None,
        "small_sample": True,
    }
    assert mean(0, 0.0, 0.0).value is None


@given(st.lists(st.integers(min_value=1, max_value=7), min_size=2, max_size=80))
def test_mean_interval_contains_the_mean_within_the_scale(answers: list[int]) -> None:
    estimate = mean(*mean_stats(answers), scale=(1, 7))
    assert estimate.value == pytest.approx(float(np.mean(answers)))
    assert estimate.ci_low is not None and estimate.ci_high is not None and estimate.value is not None
    assert 1.0 <= estimate.ci_low <= estimate.value <= estimate.ci_high <= 7.0


@given(st.lists(st.integers(1, 7), min_size=1, max_size=40), st.lists(st.integers(1, 7), min_size=1, max_size=40))
def test_merged_sums_give_the_mean_and_variance_of_all_answers(first: list[int], second: list[int]) -> None:
    merged = merge_means(mean_stats(first), mean_stats(second))
    everything = np.array(first + second, dtype=float)
    estimate = mean(*merged)
    assert estimate.value == pytest.approx(everything.mean())
    if len(everything) > 1:
        t = scipy_stats.t.ppf(0.975, len(everything) - 1)
        se = everything.std(ddof=1) / math.sqrt(len(everything))
        assert estimate.ci_high == pytest.approx(everything.mean() + t * se, abs=1e-9)
    assert merge_proportions((1, 2), (3, 4)) == (4, 6)


# --- comparisons -----------------------------------------------------------------------------------


def test_compare_nps_wald_by_hand() -> None:
    # Computed by hand: a = 50/30/20 (NPS 30, var .0061), b = 60/25/15 (NPS 45, var (.6 + .15 − .45²)/100
    # = .005475); se of the difference = √(.0061 + .005475) = .107587 → 10.7587 points;
    # z = 15 / 10.7587 = 1.39422; p = 2(1 − Φ(1.39422)) = .16325; interval 15 ± 21.0867.
    result = compare_nps((50, 30, 20), (60, 25, 15), method="wald")
    assert result.difference == pytest.approx(15.0)
    assert result.statistic == pytest.approx(1.39422, abs=1e-5)
    assert result.p_value == pytest.approx(0.16325, abs=1e-5)
    assert result.ci_low == pytest.approx(-6.0867, abs=1e-4)
    assert result.ci_high == pytest.approx(36.0867, abs=1e-4)
    assert not result.significant


def test_compare_nps_default_keeps_the_observed_difference() -> None:
    # Adjusted-Wald standard errors (see above): a 7.69151, b: p_P = 60.75/103, p_D = 15.75/103,
    # var = (.742718 − .436893²)/103 = .0053577 → 7.31965; se = √(7.69151² + 7.31965²) = 10.6178;
    # z = 15 / 10.6178 = 1.41273.
    result = compare_nps((50, 30, 20), (60, 25, 15))
    assert result.difference == pytest.approx(15.0)
    assert result.statistic == pytest.approx(1.41273, abs=1e-4)


def test_a_large_nps_change_is_significant() -> None:
    result = compare_nps((200, 100, 100), (300, 60, 40))
    assert result.difference == pytest.approx(40.0)
    assert result.significant and result.p_value < 1e-6 and result.ci_low > 0


def test_two_proportion_z_test_by_hand_and_against_chi_square() -> None:
    # Computed by hand: 40/100 vs 55/100, pooled p = .475, se0 = √(.475 × .525 × (1/100 + 1/100)) = .070622,
    # z = .15 / .070622 = 2.12398, p = .03367. The 2×2 chi-square without continuity correction is z².
    result = compare_proportions((40, 100), (55, 100))
    assert result.difference == pytest.approx(15.0)
    assert result.statistic == pytest.approx(2.12398, abs=1e-5)
    chi2, p_value, _, _ = scipy_stats.chi2_contingency([[55, 45], [40, 60]], correction=False)
    assert result.statistic**2 == pytest.approx(chi2)
    assert result.p_value == pytest.approx(p_value)
    assert result.significant


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [((48, 80), (56, 70), 0.0524, 0.3339), ((3, 10), (9, 10), 0.1705, 0.8090), ((0, 10), (10, 10), 0.6075, 1.0)],
)
def test_difference_interval_matches_newcombe_1998_method_10(
    a: tuple[int, int], b: tuple[int, int], low: float, high: float
) -> None:
    # Newcombe (1998), "Interval estimation for the difference between independent proportions: comparison
    # of eleven methods", Statistics in Medicine 17, Table II, method 10 (hybrid score), examples a, b and h.
    result = compare_proportions(a, b)
    assert round(result.ci_low / 100, 4) == low
    assert round(result.ci_high / 100, 4) == high


def test_welch_t_test_matches_scipy() -> None:
    first, second = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [3.0, 5.0, 6.0, 7.0, 7.0, 9.0, 10.0]
    result = compare_means(mean_stats(first), mean_stats(second))
    expected = scipy_stats.ttest_ind_from_stats(
        np.mean(second), np.std(second, ddof=1), len(second), np.mean(first), np.std(first, ddof=1), len(first),
        equal_var=False,
    )  # fmt: skip
    interval = scipy_stats.ttest_ind(second, first, equal_var=False).confidence_interval(0.95)
    assert result.difference == pytest.approx(np.mean(second) - np.mean(first))
    assert result.statistic == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high))


def test_means_without_spread_compare_as_certain() -> None:
    different = compare_means(mean_stats([4, 4, 4]), mean_stats([5, 5]))
    assert different.statistic == math.inf and different.p_value == 0.0 and different.significant
    assert json.dumps(different.to_dict())  # infinite numbers become null, valid JSON
    assert different.to_dict()["statistic"] is None
    same = compare_means(mean_stats([4, 4]), mean_stats([4, 4, 4]))
    assert (same.statistic, same.p_value, same.significant) == (0.0, 1.0, False)


def test_comparisons_need_data_in_both_groups() -> None:
    with pytest.raises(ValueError, match="no responses"):
        compare_nps((0, 0, 0), (1, 2, 3))
    with pytest.raises(ValueError):
        compare_proportions((0, 0), (1, 2))
    with pytest.raises(ValueError, match="at least 2"):
        compare_means((1, 3.0, 9.0), (3, 6.0, 14.0))


@given(nps_groups, nps_groups)
def test_nps_comparison_is_antisymmetric_and_contains_its_difference(
    a: tuple[int, int, int], b: tuple[int, int, int]
) -> None:
    if sum(a) == 0 or sum(b) == 0:
        return
    forward, backward = compare_nps(a, b), compare_nps(b, a)
    assert forward.difference == pytest.approx(-backward.difference)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert -200.0 <= forward.ci_low <= forward.difference <= forward.ci_high <= 200.0
    assert isinstance(forward, Comparison)


@given(st.tuples(counts, counts), st.tuples(counts, counts))
def test_proportion_comparison_interval_contains_the_difference(a: tuple[int, int], b: tuple[int, int]) -> None:
    a, b = (min(a), max(a)), (min(b), max(b))
    if a[1] == 0 or b[1] == 0:
        return
    result = compare_proportions(a, b)
    assert -100.0 <= result.ci_low <= result.difference + 1e-9
    assert result.difference - 1e-9 <= result.ci_high <= 100.0
    assert 0.0 <= result.p_value <= 1.0


# --- many comparisons ------------------------------------------------------------------------------


def test_holm_step_down_by_hand() -> None:
    # Holm (1979), by hand with α = .05 and m = 4: sorted p .005 < .05/4 ✓, .01 < .05/3 ✓, .03 < .05/2 ✗ → stop.
    assert holm([0.01, 0.04, 0.03, 0.005]) == [True, False, False, True]
    # More powerful than Bonferroni (.05/3 = .0167 would keep only .012): .012 < .0167, .02 < .025, .04 < .05.
    assert holm([0.04, 0.012, 0.02]) == [True, True, True]
    assert holm([]) == []
    with pytest.raises(ValueError):
        holm([1.5])


# --- definitions -----------------------------------------------------------------------------------


def test_metric_table_is_the_single_truth_for_scales_and_thresholds() -> None:
    assert set(METRICS) == {"nps", "enps", "csat", "ces"}
    assert (METRICS["nps"].kind, METRICS["nps"].scale_min, METRICS["nps"].scale_max) == ("nps", 0, 10)
    assert METRICS["enps"].positive_min == NPS_PROMOTER_MIN and METRICS["enps"].detractor_max == NPS_DETRACTOR_MAX
    assert (METRICS["csat"].kind, METRICS["csat"].positive_min, METRICS["csat"].scale_max) == ("top2box", 4, 5)
    assert (METRICS["ces"].kind, METRICS["ces"].scale_min, METRICS["ces"].scale_max) == ("mean", 1, 7)
    assert all(spec.higher_is_better for spec in METRICS.values())
    assert METRICS["csat"].label("it").startswith("Soddisfazione") and METRICS["csat"].label("de").startswith("Cust")
    assert METRICS["ces"].contains(7) and not METRICS["ces"].contains(0) and not METRICS["nps"].contains(math.nan)
