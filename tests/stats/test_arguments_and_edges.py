"""Argument errors in full, and edges of the Wilson interval and the targets, found by mutation
testing (docs/testing.md): the messages were only matched in part or not at all, a scalar
numerator with an array of denominators was never tried, and some boundaries (z below 1, a
denominator of 1, a proportion exactly on its target) had no case.

Messages name the argument (and the position), never a value: counts can identify patients."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from gpqi.stats import (
    choose_chart,
    compare_variation,
    cusum_alerts,
    deciles,
    funnel,
    funnel_limits,
    network_incentive,
    opportunity,
    p_chart,
    percent_rank,
    proportion_spc,
    series_spc,
    spc,
    variation,
    variation_icon,
    wilson_interval,
)


def error(call) -> str:
    with pytest.raises(ValueError) as caught:
        call()
    return str(caught.value)


NUMERATOR_FIRST = [
    # (function taking numerators then denominators, the names it gives them)
    (wilson_interval, "numerator", "denominator"),
    (lambda x, n: opportunity(x, n, 0.5), "numerator", "denominator"),
    (lambda x, n: network_incentive(x, n, ["A"] * 2, 0.5), "numerators", "denominators"),
    (funnel, "numerators", "denominators"),
    (p_chart, "numerators", "denominators"),
    (choose_chart, "numerators", "denominators"),
    (proportion_spc, "numerators", "denominators"),
    (lambda x, n: series_spc(x, n, [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]), "numerators", "denominators"),
]


@pytest.mark.parametrize(("call", "num", "den"), NUMERATOR_FIRST)
def test_numerator_and_denominator_errors_name_the_argument(call, num, den):
    assert error(lambda: call(["a", 1], [2, 2])) == f"{num}: expected numbers"
    assert error(lambda: call([1, 1], ["a", 2])) == f"{den}: expected numbers"
    assert error(lambda: call([1, 1, 1], [2, 2])) == f"inputs differ in length: {num} has 3, {den} has 2"
    assert error(lambda: call([1, 1], [2, 2, 2])) == f"inputs differ in length: {num} has 2, {den} has 3"


def test_other_argument_errors_in_full():
    target = "target: must be a proportion between 0 and 1"
    assert error(lambda: opportunity(1, 2, 1.5)) == target
    assert error(lambda: network_incentive([1], [2], ["A"], -0.1)) == target
    assert error(lambda: funnel([1], [2], target=2)) == target
    assert error(lambda: funnel_limits([2], 1.1)) == target
    assert error(lambda: funnel_limits(["a"], 0.5)) == "denominators: expected numbers"
    assert error(lambda: funnel_limits([2], 0.5, tau2=-1)) == "tau2: must be a non-negative number"
    assert error(lambda: funnel_limits([2], 0.5, tau2=np.inf)) == "tau2: must be a non-negative number"
    assert (
        error(lambda: funnel([1], [2], method="exact"))
        == "method: must be one of wilson, spiegelhalter, not 'exact'"
    )
    positive = "z: must be a positive number"
    assert error(lambda: wilson_interval(1, 2, z=0)) == positive
    assert error(lambda: wilson_interval(1, 2, z=-1)) == positive
    assert error(lambda: wilson_interval(1, 2, z=np.nan)) == positive
    assert error(lambda: wilson_interval(1, 2, z=np.inf)) == positive
    assert error(lambda: percent_rank(["a"])) == "values: expected numbers"
    assert error(lambda: deciles(["a"])) == "values: expected numbers"
    assert error(lambda: variation(["a"])) == "rates: expected numbers"
    assert error(lambda: variation([0.1], ["a"])) == "weights: expected numbers"
    assert error(lambda: variation([0.1, 0.2], [1])) == "inputs differ in length: rates has 2, weights has 1"
    assert error(lambda: variation([0.1, 0.2], [1, -1])) == (
        "weights: missing, negative or infinite weight at position 1"
    )
    assert error(lambda: spc(["a"])) == "values: expected numbers"
    assert error(lambda: cusum_alerts(["a"] * 20)) == "series: expected numbers"
    assert error(lambda: cusum_alerts([1.0] * 20, window=1)) == "window: must be a whole number of at least 2"
    assert (
        error(lambda: cusum_alerts([1.0] * 20, window=2.5)) == "window: must be a whole number of at least 2"
    )
    assert error(lambda: cusum_alerts([1.0] * 20, sensitivity=0)) == "sensitivity: must be a positive number"
    assert (
        error(lambda: cusum_alerts([1.0] * 20, sensitivity=np.nan))
        == "sensitivity: must be a positive number"
    )


def test_cusum_accepts_the_smallest_window_and_a_small_sensitivity():
    assert len(cusum_alerts([1.0, 2.0, 1.0, 2.0, 1.0, 2.0], window=2)) == 6
    assert len(cusum_alerts([1.0, 2.0, 1.0, 2.0, 1.0, 2.0], window=2, sensitivity=0.5)) == 6


# -- the Wilson interval ----------------------------------------------------------------------


def test_a_scalar_numerator_is_used_against_each_denominator():
    lower, upper = wilson_interval(3, [10, 20])
    one = [wilson_interval(3, 10), wilson_interval(3, 20)]
    assert lower.tolist() == [one[0][0], one[1][0]] and upper.tolist() == [one[0][1], one[1][1]]
    assert opportunity(3, [10, 20], 0.5).tolist() == [2, 7]


def test_arrays_in_give_arrays_out_even_of_one_element():
    lower, upper = wilson_interval([3], 10)
    assert isinstance(lower, np.ndarray) and lower.shape == (1,)
    lower, upper = wilson_interval(3, [10])
    assert isinstance(upper, np.ndarray) and upper.shape == (1,)
    lower, upper = wilson_interval(3, 10)
    assert isinstance(lower, float) and isinstance(upper, float)
    assert isinstance(opportunity([70], 100, 0.77), np.ndarray)
    assert isinstance(opportunity(70, [100], 0.77), np.ndarray)
    assert opportunity(70, [100], 0.77).dtype == np.int64
    result = opportunity(70, 100, 0.77)
    assert isinstance(result, int) and result == 7


def test_a_z_below_one_is_a_valid_interval():
    """z need only be positive (z = 0.674 is a 50% interval)."""
    x, n, z = 3, 10, 0.674
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower, upper = wilson_interval(x, n, z=z)
    assert lower == pytest.approx(centre - half, rel=1e-12)
    assert upper == pytest.approx(centre + half, rel=1e-12)
    # at the ends the root is z * z: nothing may floor it at 1 when z is below 1
    lower, upper = wilson_interval(0, n, z=z)
    assert lower == 0.0 and upper == pytest.approx(z * z / (n + z * z), rel=1e-12)
    lower, upper = wilson_interval(n, n, z=z)
    assert upper == 1.0 and lower == pytest.approx(n / (n + z * z), rel=1e-12)


@pytest.mark.parametrize("z", [0.3, 0.674, 1.0, 1.281552, 1.644854, 1.959964, 2.575829, 3.090232, 4.5])
def test_the_ends_are_exact_for_every_z(z):
    n = np.array([1, 2, 3, 7, 10, 97, 1000, 12345])
    lower, upper = wilson_interval(np.zeros(8), n, z=z)
    assert (lower == 0.0).all() and (upper < 1).all()
    lower, upper = wilson_interval(n, n, z=z)
    assert (upper == 1.0).all() and (lower > 0).all()


def test_a_missing_numerator_with_a_positive_denominator_has_no_interval():
    lower, upper = wilson_interval([np.nan, 1], [10, 1])
    assert np.isnan(lower[0]) and np.isnan(upper[0])
    assert upper[1] == 1.0 and 0 < lower[1] < 1  # 1 of 1


# -- targets ----------------------------------------------------------------------------------


def test_opportunity_edges():
    assert opportunity(0, 1, 0.5) == 1  # a denominator of 1 is a practice like any other
    assert opportunity(1, 1, 0.5, higher_is_better=False) == 1
    assert opportunity(np.nan, 10, 0.5) == 0  # a missing count: nothing to say
    assert opportunity([np.nan, 2], [10, 10], 0.5).tolist() == [0, 3]
    assert opportunity(0, 0, 0.5, higher_is_better=False) == 0


def test_network_incentive_on_the_target_and_the_smallest_network():
    result = network_incentive([4, 1, 3], [5, 1, 5], ["B", "C", "A"], target=0.8)
    assert result["network"].tolist() == ["A", "B", "C"]  # sorted by network, not by first appearance
    assert result["practices"].tolist() == [1, 1, 1]
    assert result["proportion"].tolist() == [0.6, 0.8, 1.0]
    assert result["achieved"].tolist() == [False, True, True]  # exactly on the target achieves it
    assert result["opportunity"].tolist() == [1, 0, 0] and result["opportunity"].dtype == np.int64
    assert result["target"].tolist() == [0.8, 0.8, 0.8]
    lower = network_incentive([4, 1, 3], [5, 1, 5], ["B", "C", "A"], target=0.6, higher_is_better=False)
    assert lower["achieved"].tolist() == [True, False, False]  # 0.6 <= 0.6; 0.8 and 1.0 are not
    assert lower["opportunity"].tolist() == [0, 1, 1]  # how many fewer
    series = network_incentive([4, 1], [5, 1], pd.Series(["B", "C"], index=[10, 20]), target=0.8)
    assert series["network"].tolist() == ["B", "C"] and series["achieved"].tolist() == [True, True]
    with pytest.raises(ValueError) as caught:
        network_incentive([1, 1], [2, 2], ["A"], 0.5)
    assert str(caught.value) == "inputs differ in length: networks has 1, numerators has 2"


# -- ranking and variation --------------------------------------------------------------------


def test_deciles_are_a_series_named_value_indexed_by_percentile_even_when_empty():
    for values in ([], [np.nan], [1.0, 2.0, 3.0]):
        result = deciles(values)
        assert result.name == "value" and result.index.tolist() == list(range(10, 100, 10)), values
        assert result.dtype == np.float64
    assert deciles([]).isna().all() and deciles([1.0, 2.0, 3.0]).iloc[4] == 2.0


def test_percent_rank_gives_an_array_for_an_array_and_a_series_for_a_series():
    ranks = percent_rank([3.0, 1.0, 2.0])
    assert isinstance(ranks, np.ndarray) and ranks.tolist() == [100.0, 0.0, 50.0]
    series = percent_rank(pd.Series([3.0, 1.0], index=["a", "b"]))
    assert isinstance(series, pd.Series) and series.to_dict() == {"a": 100.0, "b": 0.0}


def test_variation_of_two_rates_has_their_sample_sd_and_refuses_infinite_weights():
    result = variation([0.2, 0.4])
    assert result["sd"] == pytest.approx(np.std([0.2, 0.4], ddof=1)) and result["n"] == 2
    assert variation([0.2])["sd"] == 0.0
    assert error(lambda: variation([0.1, 0.2], [1, np.inf])) == (
        "weights: missing, negative or infinite weight at position 1"
    )


def test_compare_variation_takes_rates_or_summaries_on_either_side():
    before, after = [0.1, 0.3, 0.5], [0.2, 0.3, 0.4]
    expected = compare_variation(variation(before), variation(after))
    for b in (before, variation(before)):
        for a in (after, variation(after)):
            assert compare_variation(b, a) == expected
    assert expected["iqr"]["change"] == pytest.approx(-0.1)


# -- result tables, labels and defaults -------------------------------------------------------


def test_result_tables_have_their_documented_columns():
    series = [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 30.0, 30.0]
    assert list(cusum_alerts(series, window=4).columns) == [
        "value", "target_mean", "threshold", "cusum_pos", "cusum_neg", "alert",
    ]  # fmt: skip
    assert list(funnel([1, 5, 9], [10, 10, 10]).table.columns) == [
        "numerator", "denominator", "proportion", "z",
        "lower_95", "upper_95", "lower_998", "upper_998", "outlier_95", "outlier_998",
    ]  # fmt: skip
    assert list(p_chart([1, 5, 9, 1], [10, 10, 10, 10]).table.columns) == [
        "numerator", "denominator", "proportion", "centre", "sigma",
        "lower_3s", "upper_3s", "lower_2s", "upper_2s", "beyond_3s", "beyond_2s",
    ]  # fmt: skip
    assert p_chart([1, 5], [10, 20]).table["numerator"].tolist() == [1, 5]
    assert p_chart([1, 5], [10, 20]).table["denominator"].tolist() == [10, 20]


def test_a_p_chart_point_below_its_lower_limit_is_low():
    table = p_chart([1, 50, 50, 50], [100, 100, 100, 100]).table
    assert table["beyond_3s"].tolist() == ["low", None, None, None]
    assert table["beyond_2s"].tolist()[0] == "low"


def test_the_wilson_funnel_scores_against_the_binomial_spread():
    """z = (p - target) / sqrt(target (1 - target) / n) for the Wilson method (not the arcsine's)."""
    result = funnel([30], [100], target=0.2)
    assert result.method == "wilson"  # the default
    assert result.table["z"].iloc[0] == pytest.approx(0.1 / np.sqrt(0.2 * 0.8 / 100), rel=1e-12)
    default, wilson = funnel_limits([10, 100], 0.2), funnel_limits([10, 100], 0.2, method="wilson")
    pd.testing.assert_frame_equal(default, wilson)


def test_spc_labels_and_run_length_messages():
    result = spc([10, 11, 10, 9, 10, 11, 10, 9, 10, 11, 10, 9, 10, -20], improvement="neutral")
    assert result.table["point_type"].iloc[-1] == "special_cause_neutral_low"
    assert result.variation_icon == "neutral_low" and result.chart == "xmr"
    assert variation_icon("common_cause", "increase") == "common_cause"
    assert variation_icon("common_cause", "decrease") == "common_cause"
    assert error(lambda: spc([1.0, 2.0], run_length=1)) == "run_length: must be a whole number of at least 2"
    assert (
        error(lambda: spc([1.0, 2.0], trend_length=1.5))
        == "trend_length: must be a whole number of at least 2"
    )
