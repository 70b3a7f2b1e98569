"""Edges of the p-chart, funnel, SPC, CUSUM and series-SPC rules that mutation testing showed no
test stated: each rule on its boundary (a point exactly on a limit, a run of exactly N, a
threshold met exactly) with the expected values worked out from the documented formulas
(docs/statistics.md), not read back from the code."""

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from gpqi.stats import (
    Z95,
    ChartChoice,
    choose_chart,
    cusum_alerts,
    funnel,
    funnel_limits,
    last_alert,
    overdispersion,
    p_chart,
    proportion_spc,
    season_of,
    series_spc,
    spc,
)
from gpqi.stats.spc import RULES, special_causes


def error(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


def no_warnings(call):
    """Run `call` with every warning an error: documented edge inputs (zero denominators, a
    target of 0, missing values) must not make NumPy warn at the caller."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


# --- p-charts ---------------------------------------------------------------------------------


def test_p_chart_limits_are_clipped_and_a_point_on_a_clipped_limit_is_inside():
    # 1 of 1 and 0 of 1: centre 1/2, sigma_i = sqrt(1/4 / 1) = 1/2, so the 3-sigma limits are
    # -1 and 2 and the 2-sigma limits -0.5 and 1.5, clipped to 0-1 (docs/statistics.md)
    result = p_chart([1, 0], [1, 1])
    t = result.table
    assert result.centre == 0.5 and result.laney is False
    assert t["proportion"].tolist() == [1.0, 0.0]  # a denominator of 1 is a point
    assert t["upper_3s"].tolist() == [1.0, 1.0] and t["lower_3s"].tolist() == [0.0, 0.0]
    assert t["upper_2s"].tolist() == [1.0, 1.0] and t["lower_2s"].tolist() == [0.0, 0.0]
    # 100% on an upper limit of 100% (and 0% on a lower of 0%) is on the limit: not beyond it
    assert t["beyond_3s"].tolist() == [None, None] and t["beyond_2s"].tolist() == [None, None]
    assert p_chart([1], [1]).centre == 1.0  # a pooled denominator of 1


def test_p_chart_points_between_two_and_three_sigma():
    # 50, 62, 38, 50 of 100: centre 200/400 = 0.5, sigma 0.05 at every point:
    # 2-sigma limits 0.4-0.6, 3-sigma limits 0.35-0.65
    t = p_chart([50, 62, 38, 50], [100] * 4).table
    assert t["upper_2s"].iloc[0] == pytest.approx(0.6) and t["lower_3s"].iloc[0] == pytest.approx(0.35)
    assert t["beyond_3s"].tolist() == [None] * 4
    assert t["beyond_2s"].tolist() == [None, "high", "low", None]


def test_p_chart_without_any_denominator_and_a_missing_centre():
    result = no_warnings(lambda: p_chart([0, 0], [0, 0]))
    assert math.isnan(result.centre)
    t = p_chart([1, 0], [2, 0]).table
    assert t["centre"].iloc[0] == 0.5 and math.isnan(t["centre"].iloc[1])
    assert t["centre"].dtype == "float64"
    laney = no_warnings(lambda: p_chart([0, 0, 0], [10, 10, 0], laney=True))  # centre 0: sigma 0
    assert laney.laney is True and math.isnan(laney.sigma_z)  # every z is 0/0: no moving range
    assert no_warnings(lambda: p_chart([1, 0], [2, 0], laney=True)).table["proportion"].iloc[0] == 0.5


def test_p_chart_keeps_the_index_of_whichever_input_is_a_series():
    idx = pd.Index(["2024-01", "2024-02"])
    x, n = [1, 2], [10, 10]
    assert p_chart(pd.Series(x, index=idx), n).table.index.equals(idx)
    assert p_chart(x, pd.Series(n, index=idx)).table.index.equals(idx)
    other = pd.Index(["a", "b"])
    assert p_chart(pd.Series(x, index=idx), pd.Series(n, index=other)).table.index.equals(idx)


# --- funnels ----------------------------------------------------------------------------------


def test_spiegelhalter_phi_and_tau2_by_hand_and_the_result_draws_its_own_limits():
    # five units at 57/100 and five at 43/100 around 0.5: the arcsine z-scores are +-a exactly
    # mirrored, so the 10th/90th percentiles are -a and a and winsorising changes nothing
    x, n = [57, 43] * 5, [100] * 10
    z_hi = (math.asin(math.sqrt(0.57)) - math.asin(math.sqrt(0.5))) * 2 * math.sqrt(100)
    z_lo = (math.asin(math.sqrt(0.43)) - math.asin(math.sqrt(0.5))) * 2 * math.sqrt(100)
    phi = (z_hi**2 + z_lo**2) / 2
    assert 1 < phi < 2
    # tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 4n = 400 for each of 10 units
    tau2 = (10 * phi - 9) / (4000 - 10 * 400**2 / 4000)
    result = funnel(x, n, target=0.5, method="spiegelhalter")
    assert result.phi == pytest.approx(phi, rel=1e-9) and result.tau2 == pytest.approx(tau2, rel=1e-9)
    drawn = result.limits([100])
    half = Z95 * math.sqrt(1 / 400 + tau2)
    assert drawn["upper_95"].iloc[0] == pytest.approx(math.sin(math.pi / 4 + half) ** 2, rel=1e-9)
    # funnel_limits without a tau2 draws the unadjusted curve
    plain = funnel_limits([100], 0.5, "spiegelhalter")
    assert plain["upper_95"].iloc[0] == pytest.approx(math.sin(math.pi / 4 + Z95 / 20) ** 2, rel=1e-12)


def test_a_single_unit_of_one():
    # 1 of 1 against 0.5: a proportion (a denominator of 1 counts), z = (pi/2 - pi/4) / (1/2)
    result = funnel([1], [1], target=0.5, method="spiegelhalter")
    assert result.table["proportion"].tolist() == [1.0]
    assert result.phi == pytest.approx((math.pi / 2) ** 2)  # phi > 1, but one unit: no tau2
    assert result.tau2 == 0.0
    assert funnel([1], [1]).target == 1.0  # pooled over a denominator of 1


def test_phi_exactly_one_is_no_overdispersion():
    # target 0, n = 1 (s = 1/2): p = sin(1/2)^2 has z = asin(sqrt(p)) / s = 1 exactly in IEEE
    # arithmetic, so phi is exactly 1; "when phi <= 1 no adjustment is made"
    p = math.sin(0.5) ** 2
    phi, tau2 = overdispersion(np.array([p, p]), np.array([1.0, 1.0]), 0.0)
    assert phi == 1.0  # the precondition of this test
    assert tau2 == 0.0


def test_overdispersion_leaves_out_units_without_a_denominator():
    # docstring: "from units with a positive denominator"; the 0.3 of nobody must not count
    phi, _ = no_warnings(lambda: overdispersion(np.array([1.0, 0.3]), np.array([1.0, 0.0]), 0.5))
    assert phi == pytest.approx((math.pi / 2) ** 2)


def test_spiegelhalter_lower_limit_near_one():
    # the angle is clipped at pi/2 only: at a target of 0.9 (angle 1.249 > pi/3) the lower limit
    # is sin^2(asin(sqrt(0.9)) - z / (2 sqrt(n)))
    lower = funnel_limits([10000], 0.9, "spiegelhalter")["lower_95"].iloc[0]
    assert lower == pytest.approx(math.sin(math.asin(math.sqrt(0.9)) - Z95 / 200) ** 2, rel=1e-12)


def test_funnel_without_any_denominator():
    for method in ("wilson", "spiegelhalter"):
        result = no_warnings(lambda m=method: funnel([0, 0], [0, 0], method=m))
        assert math.isnan(result.target) and math.isnan(result.phi) and result.tau2 == 0.0
        for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
            assert result.table[column].dtype == "float64" and result.table[column].isna().all()
        given = funnel([0, 0], [0, 0], target=0.5, method=method)
        assert math.isnan(given.phi) and given.tau2 == 0.0 and given.target == 0.5


def test_funnel_target_of_zero_warns_nothing_and_a_missing_numerator_has_no_limits():
    result = no_warnings(lambda: funnel([0, 1], [10, 10], target=0.0))
    assert result.table["z"].iloc[0] == 0.0 and result.table["z"].iloc[1] == np.inf
    t = funnel([np.nan, 5], [20, 20], target=0.5).table
    assert t[["lower_95", "upper_95", "lower_998", "upper_998"]].iloc[0].isna().all()
    assert t["outlier_95"].iloc[0] is None


def test_funnel_keeps_the_denominators_index():
    idx = pd.Index(["A81001", "A81002"])
    assert funnel([1, 2], pd.Series([10, 10], index=idx)).table.index.equals(idx)


# --- SPC rules on hand-made limits ---------------------------------------------------------------


def rules(values, *, groups=None, mean=0.0, limit=10.0, near=5.0, **kwargs):
    """special_causes over fixed limits: mean, process limits +-limit, near limits +-near."""
    y = np.array(values, dtype=float)
    count = len(y)
    cols = {
        "mean": np.full(count, mean),
        "lpl": np.full(count, mean - limit),
        "upl": np.full(count, mean + limit),
        "near_lpl": np.full(count, mean - near),
        "near_upl": np.full(count, mean + near),
    }
    group = np.zeros(count, dtype=int) if groups is None else np.array(groups)
    _, _, _, rule, direction = special_causes(y, group, cols, **kwargs)
    return list(rule), list(direction)


def test_a_run_of_exactly_seven_from_the_first_point_and_of_six():
    assert rules([1] * 7 + [-1])[0] == ["shift"] * 7 + [None]  # the default run length is 7
    assert rules([1] * 6 + [-1])[0] == [None] * 7


def test_a_trend_of_exactly_seven_and_of_six():
    rising = [-3, -2, -1, 0, 1, 2, 3]
    rule, direction = rules(rising + [2])  # the default trend length is 7
    assert rule == ["trend"] * 7 + [None]
    # the last point of the trend keeps its direction although the next step is down
    assert direction == [1] * 7 + [0]
    flat_after = rules(rising + [3])
    assert flat_after == (["trend"] * 7 + [None], [1] * 7 + [0])
    assert rules(rising[1:] + [2])[0] == [None] * 7
    assert rules([0, 1], trend_length=2)[0] == ["trend", "trend"]
    assert rules([1, 0], trend_length=2)[1] == [-1, -1]


def test_two_of_three_from_the_first_point_and_a_point_exactly_on_a_near_limit():
    assert rules([6, 6, 0, 0])[0] == ["two_of_three", "two_of_three", None, None]
    assert rules([5, 5, 0])[0] == [None] * 3  # on the near limit is not beyond it
    assert rules([-5, -5, 0])[0] == [None] * 3
    assert rules([-6, 0, -6])[0] == ["two_of_three", None, "two_of_three"]


def test_rules_go_on_after_a_missing_value():
    rule, direction = rules([np.nan, 20, 0])
    assert rule == [None, "outside_limits", None] and direction == [0, 1, 0]


def test_rules_start_again_at_a_group_starting_at_the_second_point():
    # eight points above the mean, a new group from point 1: its run is exactly 7
    rule, _ = rules([1] * 8, groups=[0, 1, 1, 1, 1, 1, 1, 1])
    assert rule == [None] + ["shift"] * 7
    rule, _ = rules([1] * 8, groups=[0, 0, 1, 1, 1, 1, 1, 1])  # 6 after the rebase: no run
    assert rule == [None] * 8


def test_a_point_below_its_own_lower_limit_is_low_whatever_other_groups_limits_are():
    # group 0 (points 0-1) has limits 0.4-0.6, group 1 (point 2) 0.0-0.2; 0.3 is below its own
    y = np.array([0.5, 0.3, 0.1])
    cols = {
        "mean": np.array([0.5, 0.5, 0.1]),
        "lpl": np.array([0.4, 0.4, 0.0]),
        "upl": np.array([0.6, 0.6, 0.2]),
        "near_lpl": np.array([0.45, 0.45, 0.05]),
        "near_upl": np.array([0.55, 0.55, 0.15]),
    }
    _, _, _, rule, direction = special_causes(y, np.array([0, 0, 1]), cols)
    assert list(rule) == [None, "outside_limits", None] and list(direction) == [0, -1, 0]


# --- SPC charts --------------------------------------------------------------------------------


def test_spc_default_trend_length_is_seven():
    # mean 33/11 = 3; 0..6 rise through it (3 below, 3 above: no run); moving ranges
    # 0,3,1,1,1,1,1,1,3,0: mean 1.2, limits 3 -+ 3.192, near 3 -+ 2.128: only 0 and 6 are near,
    # never two of three
    t = spc([3, 3, 0, 1, 2, 3, 4, 5, 6, 3, 3]).table
    assert t["mean"].iloc[0] == pytest.approx(3) and t["upl"].iloc[0] == pytest.approx(3 + 2.66 * 1.2)
    assert t["rule"].tolist() == [None, None] + ["trend"] * 7 + [None, None]


def test_spc_limits_from_two_points():
    # mean 2, one moving range of 2: limits 2 -+ 2.66 x 2
    t = spc([1, 3]).table
    assert t["lpl"].iloc[0] == pytest.approx(2 - 5.32) and t["upl"].iloc[0] == pytest.approx(2 + 5.32)


def test_screening_on_proportions_with_moving_ranges_below_one():
    # ten moving ranges of 0.1 and one of 1.9: mean 2.9/11 = 0.2636; 1.9 >= 3.267 x 0.2636, so it
    # is dropped and the mean moving range is 0.1
    values = [0.0, 0.1] * 5 + [0.0, 1.9]
    t = spc(values).table
    mean = sum(values) / 12
    assert t["upl"].iloc[0] == pytest.approx(mean + 2.66 * 0.1)
    assert spc(values, screen_outliers=False).table["upl"].iloc[0] == pytest.approx(mean + 2.66 * 2.9 / 11)


def test_a_moving_range_of_exactly_3267_times_the_mean_is_screened_out():
    # moving ranges 733, 733, 733, 9801: mean 12000/4 = 3000 and 3.267 x 3000 = 9801 exactly, so the
    # 9801 is "not below" and dropped: the mean moving range is 733
    values = [0, 733, 0, 733, 10534]
    t = spc(values).table
    assert 3.267 * np.mean([733, 733, 733, 9801]) == 9801  # the precondition of this test
    assert t["upl"].iloc[0] == pytest.approx(2400 + 2.66 * 733)


def test_spc_table_types_and_missing_points():
    t = spc([1.0, np.nan, 2.0, 3.0, 20.0, 2.0], rebase_at=[2]).table
    assert t["group"].tolist() == [0, 0, 1, 1, 1, 1] and t["group"].dtype.kind == "i"
    assert t["relative_to_mean"].dtype.kind == "i" and t["relative_to_mean"].iloc[1] == 0
    assert t["outside_limits"].dtype == bool and t["close_to_limits"].dtype == bool
    assert t["point_type"].tolist()[:3] == ["common_cause", None, "common_cause"]
    assert all(isinstance(v, str) for v in t["point_type"].iloc[2:])


def test_rebase_positions_and_their_message():
    values = [1.0, 2.0, 3.0, 2.0]
    pd.testing.assert_frame_equal(spc(values, rebase_at=[0]).table, spc(values).table)
    assert (
        error(lambda: spc(values, rebase_at=[4])) == "rebase_at: position 4 is not a point position (0 to 3)"
    )


def test_spc_messages_in_full():
    assert (
        error(lambda: spc([1.0], improvement="up"))
        == "improvement: must be one of increase, decrease, neutral, not 'up'"
    )
    assert error(lambda: spc([1.0], target=float("inf"))) == "target: must be a finite number"
    spc([1.0, 2.0, 3.0], run_length=2, trend_length=2)  # 2 is allowed


def test_short_group_warnings():
    assert spc(list(range(12))).warnings == ()  # 12 points are enough
    result = spc([float(i % 3) for i in range(14)], rebase_at=[12])
    assert result.warnings == (
        "points 12 to 13: only 2 points; limits from fewer than 12 points are unreliable",
    )


def test_spc_result_keeps_the_index_target_and_chart():
    idx = pd.Index(["2024-01", "2024-02", "2024-03"])
    result = spc(pd.Series([1.0, 2.0, 3.0], index=idx), target=2.5)
    assert result.table.index.equals(idx)
    assert result.target == 2.5 and result.chart == "xmr" and result.chart_label == "XmR chart"
    assert spc([np.nan, np.nan], target=0.5).assurance is None


def test_a_target_exactly_on_the_limits_is_inconsistent():
    # a constant series: limits 5 to 5; a target of 5 is neither above nor below them
    for improvement in ("increase", "decrease"):
        assert spc([5.0] * 12, improvement=improvement, target=5.0).assurance == "inconsistent"


# --- the chart-type rule and series SPC -----------------------------------------------------------


def laney_sigma_z(x, n) -> float:
    """Laney's sigma_z worked out here: z-scores of the points with a denominator and a numerator,
    mean of the moving ranges between consecutive such points, over 1.128."""
    pairs = [(xi, ni) for xi, ni in zip(x, n, strict=True)]
    ok = [ni > 0 and not math.isnan(xi) for xi, ni in pairs]
    centre = sum(xi for (xi, ni), k in zip(pairs, ok, strict=True) if k) / sum(
        ni for (xi, ni), k in zip(pairs, ok, strict=True) if k
    )
    z = [
        (xi / ni - centre) / math.sqrt(centre * (1 - centre) / ni) if k else None
        for (xi, ni), k in zip(pairs, ok, strict=True)
    ]
    ranges = [abs(b - a) for a, b in zip(z, z[1:], strict=False) if a is not None and b is not None]
    return sum(ranges) / len(ranges) / 1.128


def test_sigma_z_by_hand_with_varying_denominators_a_gap_and_a_missing_numerator():
    x, n = [5, 0, 7, 9, 6], [50, 0, 70, 60, 50]
    expected = laney_sigma_z(x, n)  # from the moving ranges 2-3 and 3-4 only
    assert no_warnings(lambda: choose_chart(x, n)).sigma_z == pytest.approx(expected, rel=1e-12)
    missing = [5, np.nan, 7, 9, 6]
    assert choose_chart(missing, [50, 50, 70, 60, 50]).sigma_z == pytest.approx(
        laney_sigma_z(missing, [50, 50, 70, 60, 50]), rel=1e-12
    )
    assert laney_sigma_z(missing, [50, 50, 70, 60, 50]) == pytest.approx(expected)


def test_two_points_of_one_patient_each():
    # 0 of 1 then 1 of 1: centre 1/2, sigma 1/2, z = -1 and 1: one moving range of 2
    choice = choose_chart([0, 1], [1, 1])
    assert choice.sigma_z == pytest.approx(2 / 1.128)
    assert choice.chart == "xmr"  # denominators of 1 and 1 are constant
    assert choice.reason == (
        "the points vary more than chance (sigma z 1.77) and the denominators are nearly constant"
    )
    assert choice.rules == RULES


def test_sigma_z_within_rebased_groups():
    # group 0 is one point (no moving range); group 1 is 0, 1, 0, 1 of 1: z = -+1, ranges 2, 2, 2
    x, n = [1, 0, 1, 0, 1], [2, 1, 1, 1, 1]
    assert choose_chart(x, n, rebase_at=[1]).sigma_z == pytest.approx(2 / 1.128)
    # as one group: centre 3/6, z = 0, -1, 1, -1, 1: ranges 1, 2, 2, 2
    assert choose_chart(x, n).sigma_z == pytest.approx(1.75 / 1.128)
    assert choose_chart(x, n, rebase_at=[0]).sigma_z == pytest.approx(1.75 / 1.128)
    # a group whose centre is 0 has no z-scores; the next group still counts
    assert choose_chart([0, 0, 1, 0, 1, 0], [5, 5, 1, 1, 1, 1], rebase_at=[2]).sigma_z == pytest.approx(
        2 / 1.128
    )
    assert (
        error(lambda: choose_chart(x, n, rebase_at=[5]))
        == "rebase_at: position 5 is not a point position (0 to 4)"
    )
    result = proportion_spc(x, n, rebase_at=[1])
    assert result.rebased_at == (1,) and f"(sigma z {2 / 1.128:.2f})" in result.chart_reason


def test_too_few_points_and_no_denominators():
    choice = no_warnings(lambda: choose_chart([1], [2]))
    assert choice.chart == "p" and math.isnan(choice.sigma_z)
    assert choice.reason == "there are too few points to measure the variation between them"
    plain = choose_chart([1, 2, 3], None)
    assert math.isnan(plain.sigma_z) and plain.reason == "the values have no denominators"
    assert plain.rules == RULES


def test_sigma_z_exactly_one_is_a_p_chart_as_chance():
    # n = 4 and centre 1/2: sigma = 1/4 and z = x - 2 exactly. 126 points summing to 252 with
    # moving ranges summing to 141: their mean is 141/125 = 1.128, so sigma_z is exactly 1
    x = [1, 3] + [3, 1] * 35 + [2] * 54
    assert (len(x), sum(x), int(np.abs(np.diff(x)).sum())) == (126, 252, 141)
    assert choose_chart(x, [4] * 126) == ChartChoice(
        "p", 1.0, "the points vary as chance would make them (sigma z 1.00)"
    )


def test_denominators_exactly_a_quarter_from_their_mean_are_constant():
    # 20% and 80% alternately: far more variation than chance
    x = [15, 100] * 5
    assert choose_chart(x, [75, 125] * 5).chart == "xmr"  # 25 from a mean of 100: within 25%
    laney = choose_chart([15, 101] * 5, [74, 126] * 5)
    assert laney.chart == "laney"
    assert laney.reason.startswith("the points vary more than chance (sigma z ")
    assert laney.reason.endswith(") and the denominators vary, so each point's limits are widened by sigma z")
    # a point without a denominator is not a denominator that varies
    assert choose_chart([20, 80, 0, 20, 80, 20], [100, 100, 0, 100, 100, 100]).chart == "xmr"


def test_proportion_spc_arguments():
    x, n = [1, 0, 1, 0], [1, 0, 1, 1]
    asked = proportion_spc(x, n, chart="p")
    assert asked.chart_reason == "it was asked for"
    values = asked.table["value"].tolist()  # 1 of 1, nothing of nobody, 1 of 1, 0 of 1
    assert values[0] == 1.0 and math.isnan(values[1]) and values[2:] == [1.0, 0.0]
    assert error(lambda: proportion_spc(x, n, chart="c")) == "chart: must be one of xmr, p, laney, not 'c'"
    assert error(lambda: proportion_spc(x, n, chart="p", target=np.nan)) == "target: must be a finite number"
    assert proportion_spc([1, 0, 1, 0, 1], [2, 1, 1, 1, 1], rebase_at=[0, 1]).rebased_at == (1,)


OVERDISPERSED = [80, 20] * 4  # 8 points at 80% and 20% of 100: sigma z far above 1


def test_the_xmr_branch_passes_every_argument_on():
    x = OVERDISPERSED + [70] * 5 + [20, 30, 40]  # mean 52.5%: a run of 5 above it, a trend of 3
    n = [100] * len(x)
    y = [xi / 100 for xi in x]
    result = proportion_spc(x, n, improvement="decrease", target=0.3, run_length=5, trend_length=3)
    assert result.chart == "xmr"
    expected = spc(y, improvement="decrease", target=0.3, run_length=5, trend_length=3)
    pd.testing.assert_frame_equal(result.table, expected.table)
    assert result.table["rule"].iloc[8:13].tolist() == ["shift"] * 5  # a run of 5 counts at run_length 5
    assert result.table["rule"].iloc[13:].tolist() == ["trend"] * 3  # and a trend of 3 at trend_length 3
    assert (result.improvement, result.target, result.assurance) == ("decrease", 0.3, expected.assurance)
    rebased = proportion_spc(x, n, rebase_at=[8])
    pd.testing.assert_frame_equal(rebased.table, spc(y, rebase_at=[8]).table)
    # the default run length is 7
    seven = OVERDISPERSED + [70] * 7
    assert proportion_spc(seven, [100] * 15).table["rule"].iloc[8:].tolist() == ["shift"] * 7


def test_p_chart_table_types_groups_and_warnings():
    x, n = [50, 50, 90, 50, 50, 50], [100] * 6
    t = proportion_spc(x, n, chart="p", rebase_at=[2, 4]).table
    assert t["group"].tolist() == [0, 0, 1, 1, 2, 2] and t["group"].dtype.kind == "i"
    t = proportion_spc(x, n, chart="p").table
    # centre 340/600 = 0.567, sigma sqrt(0.567 x 0.433 / 100) = 0.0496: 3-sigma limits 0.418-0.715,
    # 2-sigma 0.468-0.666; 90% is beyond both, 50% within both
    assert (
        t["relative_to_mean"].tolist() == [-1, -1, 1, -1, -1, -1] and t["relative_to_mean"].dtype.kind == "i"
    )
    assert t["outside_limits"].tolist() == [False, False, True, False, False, False]
    assert t["close_to_limits"].tolist() == [False] * 6  # beyond the process limit is not "near"
    assert t["outside_limits"].dtype == bool and t["close_to_limits"].dtype == bool
    assert proportion_spc([5] * 12, [10] * 12, chart="p").warnings == ()
    assert proportion_spc([5] * 15, [10] * 15, chart="p", rebase_at=[12]).warnings == (
        "points 12 to 14: only 3 points; limits from fewer than 12 points are unreliable",
    )


MONTHS = [dt.date(2024, m, 1) for m in range(1, 13)] + [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]


def test_series_spc_passes_its_arguments_on():
    x, n = [5] * 14, [10] * 14
    out = series_spc(x, n, MONTHS, target=0.9, rebase_dates=[dt.date(2024, 7, 1)])
    assert out.result.improvement == "increase" and out.result.target == 0.9
    assert out.dates == MONTHS and out.labels == [d.isoformat() for d in MONTHS]
    assert out.seasonal is False and out.season_point is None
    # a rebase date that is a reporting date rebases at that date
    assert out.rebase_dates == [dt.date(2024, 7, 1)] and out.result.rebased_at == (6,)
    assert (
        error(lambda: series_spc(x, n, MONTHS[:13]))
        == "inputs differ in length: dates has 13, numerators has 14"
    )


def test_seasonal_series_pass_target_and_rebase_on():
    # every 1 March, 2021-2026, season from 1 September: one point per season
    dates = [dt.date(y, 3, 1) for y in range(2021, 2027)]
    x, n = [5, 6, 5, 6, 5, 6], [10] * 6
    out = series_spc(x, n, dates, target=0.9, season_start=(9, 1), rebase_dates=[dt.date(2024, 3, 1)])
    assert out.seasonal is True and out.result.target == 0.9
    assert out.rebase_dates == [dt.date(2024, 3, 1)] and out.result.rebased_at == (3,)


def test_season_edges_and_how_a_series_is_found_weekly():
    assert season_of(dt.date(2024, 9, 1), (9, 1)) == dt.date(2024, 9, 1)  # the first day is in it
    assert season_of(dt.date(2024, 8, 31), (9, 1)) == dt.date(2023, 9, 1)
    one = no_warnings(lambda: series_spc([5], [10], [dt.date(2025, 3, 31)], season_start=(9, 1)))
    assert one.seasonal is True and one.season_point == "end of March"
    # two dates a week apart are weekly: the 15th and 22nd of September are weeks 3 and 4
    weekly = series_spc([5, 6], [10, 10], [dt.date(2024, 9, 15), dt.date(2024, 9, 22)], season_start=(9, 1))
    assert weekly.season_point == "week 4 of the season"
    # 1 February to 1 March 2025 is 28 days, and monthly
    monthly = series_spc([5, 6], [10, 10], [dt.date(2025, 2, 1), dt.date(2025, 3, 1)], season_start=(9, 1))
    assert monthly.season_point == "end of March"


# --- CUSUM -------------------------------------------------------------------------------------


def cusum_by_the_rule(data: list[float], window: int, sensitivity: float) -> list[str | None]:
    """The alerts by gpqi.stats.cusum's documented rule, written out again with plain lists (no
    missing values): reference mean and population SD of the first `window` points; sums of how
    far each point is above mean + SD/2 (below mean - SD/2), rounded to 2 places, never crossing
    0; an alert when a sum passes h = sensitivity x SD. After an alert the mean moves to the
    `window` points before; the sums go on if they keep moving the same way beyond h, otherwise
    h is recalculated from that window and the sums restart."""

    def mean(v):
        return sum(v) / len(v)

    def sd(v):
        m = mean(v)
        return math.sqrt(sum((a - m) ** 2 for a in v) / len(v))

    def step(value, m, h, pos, neg):
        slack = 0.5 * h / sensitivity
        return round(max(0.0, value - (m + slack) + pos), 2), round(min(0.0, value - (m - slack) + neg), 2)

    m, h = mean(data[:window]), sensitivity * sd(data[:window])
    pos, neg = step(data[0], m, h, 0.0, 0.0)
    alerts = []
    for i, value in enumerate(data):
        if i > 0:
            if alerts[-1] is None:
                pos, neg = step(value, m, h, pos, neg)
            else:
                before = data[max(0, i - window) : i]
                m = mean(before)
                up, down = step(value, m, h, pos, neg)
                if (up > pos and pos > h) or (down < neg and neg < -h):
                    pos, neg = up, down
                else:
                    h = sensitivity * sd(before)
                    pos, neg = step(value, m, h, 0.0, 0.0)
        alerts.append("up" if pos > h else "down" if neg < -h else None)
    return alerts


@pytest.mark.parametrize(
    "seed,window,sensitivity", [(seed, 4, 2) for seed in range(6)] + [(14, 4, 2), (17, 3, 1)]
)
def test_cusum_alerts_follow_the_rule_through_recalculated_thresholds(seed, window, sensitivity):
    # random walks with level shifts either way: alerts that go on, stop and come back, with the
    # threshold recalculated between them (seeds 14 and 17 recalculate it between two alerts)
    rng = np.random.default_rng(seed)
    steps = 50 + np.cumsum(rng.normal(0, 3, 60)) + np.repeat(rng.normal(0, 15, 6), 10)
    data = [round(float(v), 2) for v in steps]
    result = cusum_alerts(data, window=window, sensitivity=sensitivity)
    assert result["alert"].tolist() == cusum_by_the_rule(data, window, sensitivity)
    assert result["threshold"].nunique() > 2  # the precondition: thresholds were recalculated


def test_cusum_defaults_and_the_smallest_arguments():
    data = [float(v) for v in range(24)]
    result = cusum_alerts(data)
    assert result["target_mean"].iloc[0] == 5.5  # the mean of the first 12: 0 to 11
    assert result["threshold"].iloc[0] == pytest.approx(5 * np.std(np.arange(12.0)))
    assert cusum_alerts([1, 2, 3, 4], window=2)["threshold"].iloc[0] == pytest.approx(5 * 0.5)
    assert cusum_alerts([1, 2, 3, 4], window=2, sensitivity=1)["threshold"].iloc[0] == pytest.approx(0.5)


def test_cusum_negative_sums_by_hand():
    values = [0.9, 0.8, 0.7, 0.6, 0.5]
    r = cusum_alerts(values, window=3, sensitivity=5)
    sd = np.std([0.9, 0.8, 0.7])  # mean 0.8
    neg, expected = 0.0, []
    for v in values:
        neg = round(min(0.0, neg + v - (0.8 - sd / 2)), 2)
        expected.append(neg)
    assert r["cusum_neg"].tolist() == pytest.approx(expected)
    assert expected[2] == -0.06  # 0.7 - 0.759: two places, not three
    # a first point below the mean starts the negative sum at once: 0.7 - (0.8 - 0.041)
    assert cusum_alerts([0.7, 0.9, 0.8, 0.8], window=3)["cusum_neg"].iloc[0] == -0.06


def test_after_an_early_alert_the_mean_is_of_the_points_before_it():
    # window 3: mean 1/3, SD 0.471; with sensitivity 0.5 the threshold is 0.236 and the 1 at point
    # 2 (1 - 1/3 - 0.236 = 0.43) alerts; the next mean is that of points 0-2
    r = cusum_alerts([0.0, 0.0, 1.0, 1.0], window=3, sensitivity=0.5)
    assert r["alert"].iloc[2] == "up"
    assert r["target_mean"].iloc[3] == pytest.approx(1 / 3)


def test_cusum_missing_values_leading_and_later():
    # no window of 3 starting at point 0 holds a value: point 0 has no reference at all
    lead = cusum_alerts([None, None, None, 10, 20, 30], window=3)
    assert math.isnan(lead["target_mean"].iloc[0]) and math.isnan(lead["threshold"].iloc[0])
    assert lead["target_mean"].iloc[1] == 10.0  # the window 1-3 holds the 10
    r = cusum_alerts([None, None, 10, 20, 30, None, 90], window=3)
    assert r["cusum_neg"].iloc[5] == 0 and r["cusum_pos"].iloc[5] == 0  # a missing month restarts both
    idx = pd.Index(["a", "b", "c"])
    assert cusum_alerts(pd.Series([1.0, 2.0, 3.0], index=idx)).index.equals(idx)


def test_last_alert_runs_that_start_at_the_first_and_second_points():
    from_start = pd.DataFrame({"value": [1.0, 2.0, 3.0], "alert": ["up", "up", "up"]})
    got = last_alert(from_start)
    assert (got["start"], got["end"], got["period"], got["to"]) == (0, 2, 3, 3.0)
    assert math.isnan(got["from"])  # nothing before the first point
    second = pd.DataFrame({"value": [1.0, 2.0, 3.0], "alert": [None, "down", "down"]})
    assert last_alert(second) == {
        "direction": "down",
        "start": 1,
        "end": 2,
        "from": 1.0,
        "to": 3.0,
        "period": 2,
    }
