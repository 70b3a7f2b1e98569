"""Making Data Count SPC: NHSRplotthedots' published outputs, hand-worked rule cases, edge cases
and invariants."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpqi.stats import spc, variation_icon

SNAPSHOTS = json.loads((Path(__file__).parent / "data" / "nhsrplotthedots_snapshots.json").read_text())


# --- published numbers ------------------------------------------------------------------------


def test_rnorm_example_limits_match_nhsrplotthedots_snapshots():
    # NHSRplotthedots tests/testthat/test-ptd_spc_standard.R and _snaps/ptd_spc_standard.md
    case = SNAPSHOTS["rnorm_seed_123"]
    y = case["y"]
    first = spc(y).table.iloc[0]
    for key in ("mean", "lpl", "upl"):
        assert first[key] == pytest.approx(case["screened"][key], abs=6e-6), key
    y15 = list(y)
    y15[14] = 10.0  # "data$y[15] <- 10"
    for screened, name in ((True, "y15_is_10_screened"), (False, "y15_is_10_unscreened")):
        row = spc(y15, screen_outliers=screened).table.iloc[0]
        for key in ("mean", "lpl", "upl"):
            assert row[key] == pytest.approx(case[name][key], abs=6e-7), (name, key)
    # _snaps/ptd_spc.md: two facets of 10 points (printed to 3 significant figures)
    groups = spc(y, rebase_at=[10]).table.groupby("group")[["mean", "lpl", "upl"]].first()
    for g, published in enumerate(case["two_groups_of_10"]):
        for key, value in published.items():
            assert groups.loc[g, key] == pytest.approx(value, abs=0.006), (g, key)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("ae_all_attendances", {}),
        ("ae_all_performance_fixed_12", {"fix_after_n_points": 12}),
        ("ae_rl4_type_1_attendances", {}),
        ("ae_rl4_type_other_attendances", {}),
    ],
)
def test_ae_attendances_match_nhsrplotthedots_integration_snapshots(name, kwargs):
    # NHSRplotthedots tests/testthat/test-integration_tests.R on NHSRdatasets::ae_attendances
    # (NHS England A&E, Apr 2016 - Mar 2019): limits to the last bit and every point's type.
    case = SNAPSHOTS[name]
    result = spc(pd.Series(case["y"], index=pd.to_datetime(case["period"])), **kwargs)
    table = result.table
    for key in ("mean", "lpl", "upl"):
        np.testing.assert_allclose(table[key], case[key], rtol=1e-12, err_msg=key)
    assert table["point_type"].tolist() == case["point_type"]
    assert result.variation == case["point_type"][-1]


def test_ae_attendances_rebased_match_nhsrplotthedots():
    case = SNAPSHOTS["ae_all_attendances_rebase"]
    y = SNAPSHOTS["ae_all_attendances"]["y"]
    table = spc(y, rebase_at=case["rebase_at"]).table
    assert table["group"].tolist() == [0] * 12 + [1] * 24
    for g, published in enumerate(case["groups"]):
        row = table[table["group"] == g].iloc[0]
        for key, value in published.items():
            assert row[key] == pytest.approx(value, rel=1e-12), (g, key)


# --- limits by hand ---------------------------------------------------------------------------


def test_limits_by_hand_with_screening():
    y = [10, 12, 11, 13, 40, 12, 11]
    mean = sum(y) / 7  # 109 / 7
    ranges = [2, 1, 2, 27, 28, 1]
    amr = sum(ranges) / 6  # 61/6 = 10.17; screen at 3.267 x 10.17 = 33.2: nothing dropped
    t = spc(y).table.iloc[0]
    assert t["mean"] == pytest.approx(mean)
    assert t["upl"] == pytest.approx(mean + 2.66 * amr)
    assert t["near_upl"] == pytest.approx(mean + 2.66 * 2 / 3 * amr)
    # a bigger jump: ranges [2, 1, 2, 87, 88, 1], mean 30.17; 87 and 88 are not below 98.6 either,
    # so push one range over the screening line by making the rest tiny
    y2 = [10, 10, 10, 10, 10, 10, 10, 10, 10, 100]
    ranges2 = [0] * 8 + [90]  # mean 10; 90 >= 3.267 x 10 is screened out; recomputed mean is 0
    t2 = spc(y2).table.iloc[0]
    assert sum(ranges2) / 9 == 10
    assert t2["upl"] == pytest.approx(t2["mean"]) and t2["mean"] == pytest.approx(19.0)
    t3 = spc(y2, screen_outliers=False).table.iloc[0]
    assert t3["upl"] == pytest.approx(19.0 + 2.66 * 10)


def test_fixed_limits_use_only_the_first_points():
    y = list(range(12)) + [100] * 12
    t = spc(y, fix_after_n_points=12).table
    assert t["mean"].iloc[-1] == pytest.approx(5.5)
    assert t["upl"].iloc[-1] == pytest.approx(5.5 + 2.66 * 1)
    assert t["point_type"].iloc[-1] == "special_cause_improvement"
    with pytest.raises(ValueError, match="at least 12"):
        spc(y, fix_after_n_points=11)


# --- rules by hand ----------------------------------------------------------------------------

BASE = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9]  # mean 10, mean moving range 15/11


def test_point_beyond_a_limit_strictly():
    t = spc(BASE + [20], improvement="increase").table
    assert t["point_type"].iloc[-1] == "special_cause_improvement"
    assert t["rule"].iloc[-1] == "outside_limits" and t["direction"].iloc[-1] == "high"
    dec = spc(BASE + [20], improvement="decrease").table
    assert dec["point_type"].iloc[-1] == "special_cause_concern"
    neutral = spc(BASE + [20], improvement="neutral").table
    assert neutral["point_type"].iloc[-1] == "special_cause_neutral_high"


def test_point_exactly_on_a_limit_is_not_beyond_it():
    values = [0.0, 3.0] * 6
    # limits fixed on these 12: mean 1.5, every moving range 3, upl = 1.5 + 2.66 x 3 = 9.48
    upl = spc(values).table["upl"].iloc[0]
    assert upl == pytest.approx(9.48)
    t = spc(values + [upl, upl + 1e-9], fix_after_n_points=12).table
    assert t["outside_limits"].iloc[-2:].tolist() == [False, True]


def test_run_of_seven_on_one_side_and_a_point_on_the_mean_breaks_it():
    run = [10, 12, 8, 10, 12, 8, 13, 13, 13, 13, 13, 13, 13, 8, 8, 8]
    t = spc(run).table
    assert (t["value"].iloc[6:13] > t["mean"].iloc[0]).all()
    assert t["rule"].iloc[6:13].tolist() == ["shift"] * 7
    assert t["point_type"].iloc[6:13].eq("special_cause_improvement").all()
    assert t["rule"].iloc[:6].isna().all()
    # sums of 24 over 12 points: the mean is exactly 2
    eight_above = [-6, 10, 3, 4, 3, 4, 3, 4, 3, -4, -8, 8]
    assert spc(eight_above, run_length=6).table["rule"].iloc[1:9].eq("shift").all()
    on_the_mean = [-6, 10, 3, 4, 3, 2, 3, 4, 3, -4, -8, 10]  # the 2 sits on the mean
    t = spc(on_the_mean, run_length=6).table
    assert t["mean"].iloc[0] == 2 and t["relative_to_mean"].iloc[5] == 0
    assert t["rule"].isna().all()
    assert spc([2, 2, 2, 2, 2, 2, 2, 2]).table["rule"].isna().all()  # all on the mean: no side


def test_trend_of_seven_strictly_rising_and_equal_steps_break_it():
    rising = [10, 9, 11, 10, 11, 12, 13, 14, 15, 16, 17]  # eight rising from index 3 (10 ... 17)
    t = spc(rising).table
    # mean 138/11 = 12.545, moving ranges 1,2,1,1,...,1 = 1.1: limits 9.62 and 15.47, so 9, 16 and
    # 17 are beyond a limit, which takes precedence over the trend
    assert t["upl"].iloc[0] == pytest.approx(138 / 11 + 2.66 * 1.1)
    assert t["rule"].tolist() == [None, "outside_limits", None] + ["trend"] * 6 + ["outside_limits"] * 2
    assert t["direction"].iloc[3:].eq("high").all() and t["direction"].iloc[1] == "low"
    flat_step = [10, 9, 11, 10, 11, 12, 12, 14, 15, 16, 17]  # 12, 12 is not a rise
    t2 = spc(flat_step).table
    assert "trend" not in t2["rule"].tolist()


def test_a_falling_trend_below_the_mean_is_concern_when_higher_is_better():
    values = [20, 22, 21, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 22, 23, 21, 22, 23, 22, 21]
    t = spc(values).table
    trend = t[t["rule"] == "trend"]
    assert len(trend) >= 7
    assert trend["direction"].eq("low").all()
    assert trend["point_type"].eq("special_cause_concern").all()


def test_two_of_three_beyond_the_same_near_limit():
    # limits fixed on BASE: mean 10, moving ranges 1,2,1, 1,2,1, 1,2,1, 1,2 (sum 15 over 11) = 1.3636;
    # near upper = 10 + 1.7733 x 1.3636 = 12.42, upper limit = 10 + 2.66 x 1.3636 = 13.63.
    # Two points at 13.5 with the one between them anywhere (here below the mean): special cause.
    t = spc(BASE + [13.5, 9, 13.5], fix_after_n_points=12).table
    assert t["near_upl"].iloc[0] == pytest.approx(10 + 2.66 * 2 / 3 * 15 / 11)
    assert t["upl"].iloc[0] == pytest.approx(10 + 2.66 * 15 / 11)
    near = t.iloc[-3:]
    assert near["close_to_limits"].tolist() == [True, False, True]
    assert near["rule"].tolist() == ["two_of_three", None, "two_of_three"]
    assert near["point_type"].tolist()[0] == "special_cause_improvement"


def test_two_near_points_on_opposite_sides_are_common_cause():
    # NHSRplotthedots test-ptd_spc_standard.R: "it only reports special cause for 2 of 3 points close
    # to limits when they are on the same side of the mean"
    data = [1.0, -1.0] * 8
    data[14], data[15] = 5.5, -5.5
    t = spc(data).table
    assert t["point_type"].iloc[-2:].tolist() == ["common_cause", "common_cause"]


def test_a_point_beyond_the_process_limit_is_not_a_near_point():
    t = spc(BASE + [13.5, 30, 10], fix_after_n_points=12).table
    assert t["rule"].iloc[-3:].tolist() == [None, "outside_limits", None]
    t = spc(BASE + [13.5, 10, 13.5], fix_after_n_points=12).table
    assert t["rule"].iloc[-3:].tolist() == ["two_of_three", None, "two_of_three"]
    t = spc(BASE + [13.5, 10, 10, 13.5], fix_after_n_points=12).table  # not within three
    assert t["rule"].iloc[-4:].isna().all()


def test_rule_precedence_outside_limit_over_trend():
    values = [10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 12, 13, 14, 15, 16, 40]
    t = spc(values).table
    assert t["rule"].iloc[-1] == "outside_limits"
    assert t["rule"].iloc[-7:-1].eq("trend").all()


def test_rules_restart_after_a_rebase():
    values = [10, 11, 9, 10, 11, 9, 12, 13, 12, 13, 12, 13]
    whole = spc(values, run_length=6).table
    assert whole["rule"].iloc[6:].eq("shift").all()
    split = spc(values, rebase_at=[9], run_length=6).table
    assert split["rule"].iloc[6:].isna().all()
    with pytest.raises(ValueError, match="rebase_at"):
        spc(values, rebase_at=[12])


# --- assurance --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "improvement,target,expected",
    [
        ("increase", 20, "consistent_fail"),  # target above the upper limit: the process cannot reach it
        ("increase", 1, "consistent_pass"),
        ("increase", 10, "inconsistent"),
        ("decrease", 20, "consistent_pass"),
        ("decrease", 1, "consistent_fail"),
        ("decrease", 10, "inconsistent"),
        ("neutral", 20, None),
        ("increase", None, None),
    ],
)
def test_assurance(improvement, target, expected):
    result = spc(BASE, improvement=improvement, target=target)
    assert result.assurance == expected
    assert result.assurance_icon == {
        "consistent_pass": "pass",
        "consistent_fail": "fail",
        "inconsistent": "inconsistent",
    }.get(expected or "")


def test_variation_icons():
    assert variation_icon("special_cause_improvement", "increase") == "improvement_high"
    assert variation_icon("special_cause_improvement", "decrease") == "improvement_low"
    assert variation_icon("special_cause_concern", "increase") == "concern_low"
    assert variation_icon("special_cause_concern", "decrease") == "concern_high"
    assert variation_icon("special_cause_neutral_low", "neutral") == "neutral_low"
    assert spc(BASE + [20]).variation_icon == "improvement_high"


# --- edge cases -------------------------------------------------------------------------------


def test_constant_series_has_zero_width_limits_and_no_special_cause():
    result = spc([5.0] * 15, target=6)
    t = result.table
    assert (t["lpl"] == 5).all() and (t["upl"] == 5).all()
    assert t["point_type"].eq("common_cause").all()
    assert result.assurance == "consistent_fail"


def test_missing_values_have_no_type_and_break_runs():
    values = [10, 12, 8, 10, 12, 8, 13, 13, 13, np.nan, 13, 13, 13, 13]
    t = spc(values).table
    assert t["point_type"].iloc[9] is None
    assert "shift" not in t["rule"].iloc[:9].tolist()
    result = spc([1.0, 2.0, np.nan])
    assert result.variation == "common_cause"  # the last point with a value


def test_short_and_empty_series():
    one = spc([3.0])
    assert np.isnan(one.table["upl"].iloc[0]) and one.variation == "common_cause"
    assert one.warnings
    empty = spc([])
    assert empty.table.empty and empty.variation is None and empty.assurance is None
    assert spc([np.nan, np.nan]).variation is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="improvement"):
        spc([1, 2], improvement="up")
    with pytest.raises(ValueError, match="run_length"):
        spc([1, 2], run_length=1)


# --- invariants -------------------------------------------------------------------------------

series = st.lists(st.integers(-50, 50), min_size=1, max_size=40).map(lambda xs: [float(x) for x in xs])


@settings(max_examples=150, deadline=None)
@given(
    values=series,
    shift=st.integers(-1000, 1000),
    improvement=st.sampled_from(["increase", "decrease", "neutral"]),
)
def test_shifting_a_series_by_a_constant_keeps_its_point_types(values, shift, improvement):
    # integers keep the arithmetic exact, so ties (a point on the mean, on a limit) survive the shift
    a = spc(values, improvement=improvement).table
    b = spc([v + shift for v in values], improvement=improvement).table
    assert a["point_type"].tolist() == b["point_type"].tolist()
    assert a["rule"].tolist() == b["rule"].tolist()


@settings(max_examples=150, deadline=None)
@given(values=series)
def test_mirroring_a_series_swaps_the_direction_of_improvement(values):
    up = spc(values, improvement="increase").table
    down = spc([-v for v in values], improvement="decrease").table
    assert up["point_type"].tolist() == down["point_type"].tolist()


def test_series_shorter_than_the_rules():
    # six points rising and six on one side: too short for a trend or shift of 7
    t = spc([1.0, 2, 3, 4, 5, 6]).table
    assert t["rule"].isna().all() and t["point_type"].eq("common_cause").all()
    assert spc([1.0, 2, 3, 4, 5, 6], trend_length=6).table["rule"].eq("trend").all()
    assert spc([5.0, 9.0]).table["point_type"].tolist() == ["common_cause", "common_cause"]
