"""SPC of indicator series: the chart-type rule, assurance worked examples, rebases and seasons.
Expected limits are worked out here from the published formulas, not read from the code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from gpqi.engine.dates import parse_dates
from gpqi.stats import choose_chart, proportion_spc, series_spc, spc

# --- the chart-type rule ----------------------------------------------------------------------


def test_values_without_denominators_get_an_xmr_chart():
    assert choose_chart([1, 2, 3], None).chart == "xmr"


def test_overlapping_windows_get_a_p_chart():
    # a 12-month look-back moves slowly from month to month: far less variation than chance
    n = np.full(24, 1000)
    x = 600 + np.arange(24) % 3
    choice = choose_chart(x, n)
    assert choice.chart == "p" and choice.sigma_z < 1
    # the p-chart's limits are binomial: p +- 3 sqrt(p (1 - p) / n)
    result = proportion_spc(x, n, target=None)
    p = x.sum() / n.sum()
    half = 3 * np.sqrt(p * (1 - p) / 1000)
    assert result.chart == "p"
    assert result.table["lpl"].iloc[0] == pytest.approx(p - half)
    assert result.table["upl"].iloc[0] == pytest.approx(p + half)
    assert result.table["near_upl"].iloc[0] == pytest.approx(p + 2 * half / 3)
    assert (result.table["point_type"] == "common_cause").all()


def test_overdispersed_with_constant_denominators_is_xmr_and_matches_laney():
    n = np.full(20, 1000)
    x = np.where(np.arange(20) % 2 == 0, 500, 600)
    choice = choose_chart(x, n)
    assert choice.chart == "xmr" and choice.sigma_z > 1
    result = proportion_spc(x, n)
    # with constant denominators Laney p' limits are XmR's: p +- 3 sigma sigma_z = p +- 2.66 mR
    laney = proportion_spc(x, n, chart="laney")
    mr = 0.1  # every moving range is 0.6 - 0.5
    assert result.table["upl"].iloc[0] == pytest.approx(0.55 + 2.66 * mr, abs=1e-12)
    assert laney.table["upl"].iloc[0] == pytest.approx(0.55 + 3 * mr / 1.128, rel=1e-9)
    assert result.chart_label == "XmR chart"


def test_overdispersed_with_varying_denominators_is_laney():
    n = np.where(np.arange(20) % 2 == 0, 500, 2000)
    x = np.where(np.arange(20) % 2 == 0, 250, 1200)  # 50% and 60%
    choice = choose_chart(x, n)
    assert choice.chart == "laney" and choice.sigma_z > 1
    result = proportion_spc(x, n)
    assert result.chart == "laney" and "Laney" in result.chart_label
    # sigma_z from the moving ranges of the p-chart z-scores, worked out independently
    p = x.sum() / n.sum()
    z = (x / n - p) / np.sqrt(p * (1 - p) / n)
    sigma_z = np.abs(np.diff(z)).mean() / 1.128
    upl0 = p + 3 * np.sqrt(p * (1 - p) / 500) * sigma_z
    assert result.table["upl"].iloc[0] == pytest.approx(upl0)
    assert (result.table["point_type"] == "common_cause").all()  # alternation is not a signal here


def test_large_denominators_p_chart_would_flag_everything_laney_does_not():
    rng = np.random.default_rng(1)
    n = rng.integers(4000, 9000, 36)
    p_true = 0.3 + rng.normal(0, 0.02, 36)  # real month-to-month variation beyond binomial
    x = np.round(p_true * n)
    plain = proportion_spc(x, n, chart="p")
    chosen = proportion_spc(x, n)
    assert chosen.chart == "laney"
    flagged_p = (plain.table["point_type"] != "common_cause").sum()
    flagged_laney = (chosen.table["point_type"] != "common_cause").sum()
    assert flagged_p > 10 and flagged_laney < flagged_p / 2


# --- assurance: worked examples ------------------------------------------------------------------

# values alternating 0.50 and 0.52: mean 0.51, every moving range 0.02, limits 0.51 +- 0.0532
ALTERNATING = [0.50, 0.52] * 8


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("increase", 0.60, "consistent_fail"),  # target above the upper limit
        ("increase", 0.51, "inconsistent"),  # target inside the limits
        ("increase", 0.40, "consistent_pass"),  # target below the lower limit
        ("decrease", 0.60, "consistent_pass"),
        ("decrease", 0.51, "inconsistent"),
        ("decrease", 0.40, "consistent_fail"),
        ("neutral", 0.60, None),
    ],
)
def test_assurance_worked_examples(improvement, target, expected):
    result = spc(ALTERNATING, improvement=improvement, target=target)
    assert result.table["lpl"].iloc[-1] == pytest.approx(0.51 - 2.66 * 0.02)
    assert result.table["upl"].iloc[-1] == pytest.approx(0.51 + 2.66 * 0.02)
    assert result.assurance == expected


def test_consistently_above_the_target_it_should_exceed_passes():
    # a practice at 100% every month against a 95% target: p = 1, limits 1 to 1, the target is
    # below the lower limit of an increase measure
    n = np.full(24, 30)
    result = proportion_spc(n, n, improvement="increase", target=0.95)
    assert result.assurance == "consistent_pass"
    # and mirrored: 0% against a 5% ceiling of a decrease measure
    result = proportion_spc(np.zeros(24), n, improvement="decrease", target=0.05)
    assert result.assurance == "consistent_pass"


def test_a_small_practice_near_the_target_is_not_told_it_fails():
    # 12-month coverage of a handful of children, drifting slowly (overlapping windows): the
    # p-chart's binomial limits are wide, so a 95% target is inside them
    n = np.array([5, 5, 6, 6, 5, 5, 6, 6, 5, 5, 6, 6, 5, 5, 6, 6, 5, 5])
    x = np.minimum(n, np.array([4, 4, 5, 5, 5, 4, 5, 6, 5, 5, 6, 6, 5, 5, 6, 6, 5, 5]))
    result = proportion_spc(x, n, target=0.95)
    assert result.chart == "p"
    assert result.assurance == "inconsistent"


# --- rebase ------------------------------------------------------------------------------------------


def test_limits_are_recalculated_at_a_programme_start():
    dates = parse_dates("monthly:2016-04..2026-03")
    start = dt.date(2022, 4, 1)
    rng = np.random.default_rng(4)
    n = np.full(len(dates), 2000)
    before = np.array([d < start for d in dates])
    months_in = np.cumsum(~before)
    p = np.where(before, 0.36, np.minimum(0.36 + 0.015 * months_in, 0.9)) + rng.normal(0, 0.005, len(dates))
    x = np.round(p * n)
    one_process = series_spc(x, n, dates, "increase")
    assert (one_process.result.table["point_type"][before] == "special_cause_concern").any()
    rebased = series_spc(x, n, dates, "increase", rebase_dates=[start])
    table = rebased.result.table
    assert rebased.rebase_dates == [dt.date(2022, 4, 30)]
    assert rebased.result.rebased_at == (dates.index(dt.date(2022, 4, 30)),)
    assert table["group"][before].eq(0).all() and table["group"][~before].eq(1).all()
    # the years before the programme are one stable process, not a concern
    assert not (table["point_type"][before] == "special_cause_concern").any()
    assert table["mean"][before].iloc[0] == pytest.approx(x[before].sum() / n[before].sum())
    assert rebased.result.variation == "special_cause_improvement"


def test_rebase_dates_outside_the_series_are_ignored():
    dates = parse_dates("monthly:2024-01..2024-12")
    n = np.full(12, 100)
    out = series_spc(np.full(12, 50), n, dates, rebase_dates=[dt.date(2020, 1, 1), dt.date(2030, 1, 1)])
    assert out.rebase_dates == [] and out.result.rebased_at == ()


# --- seasons ------------------------------------------------------------------------------------------


def _flu_series(seasons: int, last_season_uptake: float) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    """Monthly values since 1 September that rise through each season and restart."""
    dates = [
        d for d in parse_dates(f"monthly:{2026 - seasons}-09..2026-03") if d.month in (9, 10, 11, 12, 1, 2, 3)
    ]
    shape = {9: 0.1, 10: 0.5, 11: 0.7, 12: 0.76, 1: 0.78, 2: 0.79, 3: 0.8}
    n = np.full(len(dates), 3000)
    rng = np.random.default_rng(2)
    p = np.array([shape[d.month] for d in dates]) + rng.normal(0, 0.004, len(dates))
    p[-7:] *= last_season_uptake / 0.8
    return dates, np.round(p * n), n


def test_a_seasonal_series_is_compared_season_against_season():
    dates, x, n = _flu_series(8, 0.8)
    out = series_spc(x, n, dates, "increase", season_start=(9, 1))
    assert out.seasonal and out.season_point == "end of March"
    assert out.dates == [dt.date(y, 3, 31) for y in range(2019, 2027)]
    assert out.labels[0] == "2018-19" and out.labels[-1] == "2025-26"
    assert len(out.result.table) == 8
    assert out.result.variation == "common_cause"
    # as one process the saw-tooth is nothing but special cause
    one = series_spc(x, n, dates, "increase")
    assert (one.result.table["point_type"] != "common_cause").mean() > 0.5


def test_a_poor_season_stands_out_against_earlier_seasons():
    dates, x, n = _flu_series(8, 0.6)
    out = series_spc(x, n, dates, "increase", season_start=(9, 1))
    assert out.result.variation == "special_cause_concern"


def test_weekly_series_compare_the_same_week_of_each_season():
    dates = parse_dates("weekly:2023-09-04..2024-03-25") + parse_dates("weekly:2024-09-02..2025-03-24")
    dates += parse_dates("weekly:2025-09-01..2025-12-01")
    n = np.full(len(dates), 1000)
    x = np.full(len(dates), 500)
    out = series_spc(x, n, dates, season_start=(9, 1))
    assert out.season_point == "week 14 of the season"
    assert [d.year for d in out.dates] == [2023, 2024, 2025]
    assert all((d - dt.date(d.year, 9, 1)).days // 7 == 13 for d in out.dates)


def test_overlapping_windows_are_judged_on_the_limits_only():
    # a 12-month figure that wanders slowly (consecutive points share 11 months of patients):
    # runs of 7 on one side of the mean are expected by construction, not a signal
    n = np.full(36, 130)
    x = np.round(n * (0.24 + 0.02 * np.sin(np.arange(36) / 4)))
    result = proportion_spc(x, n)
    assert result.chart == "p" and "only points beyond them" in result.chart_reason
    assert (result.table["point_type"] == "common_cause").all()
    # the XmR chart of the same figures reads the slow wander as special cause almost everywhere
    assert (spc(x / n).table["point_type"] != "common_cause").mean() > 0.5
    # a point beyond the p-chart's limits still counts
    x[-1] = 80
    assert proportion_spc(x, n).variation == "special_cause_improvement"
