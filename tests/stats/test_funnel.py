"""Funnel plots: the OHID/Fingertips published table and flags, a hand-worked Spiegelhalter
example, edge cases, and the invariant that limits widen as the denominator shrinks."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpqi.stats import funnel, funnel_limits

DATA = Path(__file__).parent / "data"


def _phe_inputs() -> pd.DataFrame:
    # PHEindicatormethods (UKHSA / OHID, the Fingertips methods package), tests/testthat/
    # testdata_funnel_prop_inputs.csv: 303 primary care trusts with numerator, denominator and
    # the significance phe_funnel_significance() gives them.
    return pd.read_csv(DATA / "phe_funnel_prop_inputs.csv")


def test_reproduces_phe_published_funnel_limits_table():
    # testdata_funnel_prop_outputs.csv: phe_funnels() limits (as %) at 100 population sizes
    # around the pooled proportion of the 303 PCTs, 80.642448%.
    inputs = _phe_inputs()
    result = funnel(inputs["numerator"], inputs["denominator"])
    published = pd.read_csv(DATA / "phe_funnel_prop_outputs.csv")
    assert result.target * 100 == pytest.approx(published["Baseline"].iloc[0], abs=5e-7)
    limits = funnel_limits(published["Population"], result.target, "wilson")
    for ours, theirs in (
        ("lower_95", "Lower2s0025limit"),
        ("upper_95", "Upper2s0025limit"),
        ("lower_998", "Lower3s0001limit"),
        ("upper_998", "Upper3s0001limit"),
    ):
        # PHE uses qnorm(0.999) = 3.0902323..., DESIGN.md fixes z = 3.090232: 1e-5 points apart at most
        np.testing.assert_allclose(limits[ours] * 100, published[theirs], atol=1e-5, err_msg=ours)


def test_reproduces_phe_published_significance_for_every_pct():
    inputs = _phe_inputs()
    table = funnel(inputs["numerator"], inputs["denominator"]).table

    def label(row: pd.Series) -> str:
        if row["outlier_998"] is not None:
            return f"{row['outlier_998'].capitalize()} (0.001)"
        if row["outlier_95"] is not None:
            return f"{row['outlier_95'].capitalize()} (0.025)"
        return "Not significant"

    assert table.apply(label, axis=1).tolist() == inputs["significance"].tolist()


def test_phe_data_is_heavily_overdispersed_and_spiegelhalter_limits_absorb_it():
    inputs = _phe_inputs()
    wilson = funnel(inputs["numerator"], inputs["denominator"], method="wilson")
    spieg = funnel(inputs["numerator"], inputs["denominator"], method="spiegelhalter")
    assert wilson.phi == pytest.approx(spieg.phi) and wilson.phi > 100
    assert wilson.tau2 == 0 and spieg.tau2 > 0
    assert (spieg.table["outlier_998"].notna().sum()) < (wilson.table["outlier_998"].notna().sum()) / 10


def test_spiegelhalter_by_hand_for_five_units():
    # Worked step by step (Spiegelhalter 2005, Qual Saf Health Care 14:347; FunnelPlotR "PR").
    x = [10, 30, 45, 20, 90]
    n = [50, 60, 100, 25, 300]
    p = [xi / ni for xi, ni in zip(x, n, strict=True)]  # 0.2, 0.5, 0.45, 0.8, 0.3
    p_bar = sum(x) / sum(n)  # 195 / 535
    theta = math.asin(math.sqrt(p_bar))
    z = [(math.asin(math.sqrt(pi)) - theta) * 2 * math.sqrt(ni) for pi, ni in zip(p, n, strict=True)]
    zs = sorted(z)
    # 10th and 90th percentiles, R type 7: position (5 - 1) x 0.1 = 0.4 from each end
    lo = zs[0] + 0.4 * (zs[1] - zs[0])
    hi = zs[4] - 0.4 * (zs[4] - zs[3])
    winsorised = [min(max(v, lo), hi) for v in z]
    phi = sum(v * v for v in winsorised) / 5
    w = [4 * ni for ni in n]
    tau2 = (5 * phi - 4) / (sum(w) - sum(wi * wi for wi in w) / sum(w))
    assert phi > 1 and tau2 > 0

    result = funnel(x, n, method="spiegelhalter")
    assert result.target == pytest.approx(p_bar)
    assert result.phi == pytest.approx(phi, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    for i, ni in enumerate(n):
        sd = math.sqrt(1 / (4 * ni) + tau2)
        row = result.table.iloc[i]
        assert row["upper_998"] == pytest.approx(math.sin(min(theta + 3.090232 * sd, math.pi / 2)) ** 2)
        assert row["lower_95"] == pytest.approx(math.sin(max(theta - 1.959964 * sd, 0)) ** 2)
        assert row["z"] == pytest.approx((math.asin(math.sqrt(p[i])) - theta) / sd)


def test_spiegelhalter_without_overdispersion_equals_unadjusted_arcsine_limits():
    # identical proportions: every z is 0, phi = 0 <= 1, so tau2 = 0
    result = funnel([10, 20, 40], [100, 200, 400], method="spiegelhalter")
    assert result.phi == 0 and result.tau2 == 0
    expected = math.sin(math.asin(math.sqrt(0.1)) + 1.959964 / (2 * math.sqrt(200))) ** 2
    assert result.table["upper_95"].iloc[1] == pytest.approx(expected)


def test_zero_denominators_get_no_proportion_no_limits_no_flag_and_no_weight():
    result = funnel([5, 0, 50, 0], [10, 0, 100, np.nan])
    assert result.target == pytest.approx(55 / 110)
    empty = result.table.iloc[[1, 3]]
    assert empty[["proportion", "z", "lower_95", "upper_998"]].isna().all().all()
    assert empty["outlier_95"].tolist() == [None, None] and empty["outlier_998"].tolist() == [None, None]


@pytest.mark.parametrize("method", ["wilson", "spiegelhalter"])
def test_proportions_of_zero_and_one(method):
    # 20 ordinary units keep the winsorised phi small, so Spiegelhalter adds no tau2
    result = funnel([0, 100] + [50] * 20, [100] * 22, method=method)
    t = result.table
    assert t["outlier_998"].tolist()[:2] == ["low", "high"]
    assert np.isfinite(t["z"]).all()
    assert ((t["lower_998"] >= 0) & (t["upper_998"] <= 1)).all()


def test_target_of_zero_or_one_with_matching_units_is_on_target():
    result = funnel([0, 0], [10, 20], target=0.0)
    assert result.table["z"].tolist() == [0.0, 0.0]
    assert result.table["outlier_95"].tolist() == [None, None]
    assert result.table["upper_95"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("method", ["wilson", "spiegelhalter"])
def test_a_unit_exactly_on_a_limit_is_inside(method):
    # with target 1 the upper limits are exactly 1 (zero width for wilson, clipped angle for
    # spiegelhalter); a unit at 100% sits on them, a unit just below 100% is beyond the lower ones
    result = funnel([10, 10**6 - 1], [10, 10**6], target=1.0, method=method)
    t = result.table
    assert t["upper_998"].iloc[0] == 1.0 and t["proportion"].iloc[0] == 1.0
    assert t["outlier_998"].iloc[0] is None and t["outlier_95"].iloc[0] is None
    if method == "wilson":
        assert t["outlier_998"].iloc[1] == "low"


def test_series_index_is_kept_and_limits_method():
    num = pd.Series([3, 40], index=["A81001", "A81002"])
    result = funnel(num, [10, 50], target=0.5)
    assert list(result.table.index) == ["A81001", "A81002"]
    curve = result.limits([10, 50])
    assert curve["upper_95"].tolist() == result.table["upper_95"].tolist()


def test_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        funnel([1], [2], method="bayes")
    with pytest.raises(ValueError, match="target"):
        funnel([1], [2], target=1.5)
    with pytest.raises(ValueError, match="differ in length"):
        funnel([1, 2], [2])
    with pytest.raises(ValueError, match="tau2"):
        funnel_limits([10], 0.5, "spiegelhalter", tau2=-1)


@given(
    target=st.floats(0.01, 0.99),
    tau2=st.floats(0, 0.05),
    n=st.lists(st.integers(1, 10**6), min_size=2, max_size=20, unique=True),
    method=st.sampled_from(["wilson", "spiegelhalter"]),
)
def test_limits_widen_as_the_denominator_shrinks(target, tau2, n, method):
    limits = funnel_limits(
        sorted(n), target, method, tau2=tau2 if method == "spiegelhalter" else 0
    ).sort_values("denominator")
    for col in ("upper_95", "upper_998"):
        assert (np.diff(limits[col]) <= 1e-12).all()
    for col in ("lower_95", "lower_998"):
        assert (np.diff(limits[col]) >= -1e-12).all()
    assert (limits["lower_998"] <= limits["lower_95"] + 1e-12).all()
    assert (limits["upper_95"] <= limits["upper_998"] + 1e-12).all()
    assert ((limits["lower_998"] <= target) & (target <= limits["upper_998"])).all()


def test_missing_numerators_are_left_out_like_empty_denominators():
    result = funnel([np.nan, 30, 70], [50, 100, 100])
    assert result.target == pytest.approx(0.5)
    assert np.isnan(result.table["proportion"].iloc[0]) and result.table["outlier_95"].iloc[0] is None
