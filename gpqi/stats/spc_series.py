"""SPC for an indicator's series of proportions: which chart fits the data, limits recalculated
at rebase dates, and seasonal indicators compared season against season.

The chart-type rule (docs/statistics.md), for points x_i / n_i in time order:

1. No denominators: an XmR chart of the values (Making Data Count's default).
2. Otherwise compute Laney's sigma_z, the spread of the p-chart z-scores from their moving ranges
   (moving ranges within each rebased group only).
   - sigma_z <= 1: a **p-chart**. The points vary no more than binomial chance allows. This is
     typical of look-back windows ("in the last 12 months") that overlap from one monthly date to
     the next: the moving ranges are then small, and an XmR (or Laney p') chart built from them
     would draw limits far too narrow and flag noise as special cause. When sigma_z < 1 the points
     are not independent (consecutive points share most of their patients), so a run of 7 on one
     side of the mean, a trend of 7 or two of three near a limit is expected by construction:
     only points beyond the limits are special cause (Making Data Count advises against reading
     its run rules on rolling figures for the same reason).
   - sigma_z > 1 and every denominator within 25% of their mean: an **XmR chart** of the
     proportions. With constant denominators Laney p' limits are exactly XmR's
     (p +- 3 sigma sigma_z = p +- 2.66 x mean moving range), and XmR is the Making Data Count
     standard with its published rules and screening.
   - sigma_z > 1 otherwise: a **Laney p' chart**. There is more variation between points than
     chance (with large denominators a p-chart would flag nearly every point) and the
     denominators vary too much for one set of XmR limits.
   The 25% is the usual textbook allowance for using average-size limits on attribute charts.

The chart is chosen once for the whole series so it keeps one name. Every chart uses the same
special-cause rules (`gpqi.stats.spc.special_causes`): the p and p' charts' near limits are
their 2-sigma limits (two thirds of the way to the 3-sigma limits, as XmR's are).

Rebase: limits are recalculated from the first point on or after each rebase date (a programme's
start, or a recorded change), and rules look only within a group.

Seasonal indicators (values that restart every season, e.g. flu vaccinations since 1 September)
are not one process: the latest point is compared with the same point of earlier seasons (same
month, or same week, after the season's start), one point per season.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gpqi.stats._inputs import as_float_array, check_counts, same_length
from gpqi.stats.pchart import D2, p_chart
from gpqi.stats.spc import CHARTS, RULES, SHORT_GROUP, SpcResult, _result, spc, special_causes

CONSTANT_DENOMINATORS = 0.25  # within this share of their mean, denominators count as constant


@dataclass(frozen=True)
class ChartChoice:
    chart: str  # one of gpqi.stats.spc.CHARTS
    sigma_z: float  # Laney's sigma_z (NaN without denominators)
    reason: str  # the rule that chose it, in plain words

    @property
    def rules(self) -> tuple[str, ...]:
        """The special-cause rules that apply: beyond the limits only for points that vary less
        than chance (not independent), all of them otherwise."""
        return ("outside_limits",) if self.sigma_z < 1 else RULES


def _groups(count: int, rebase_at: Sequence[int] | None) -> np.ndarray:
    group = np.zeros(count, dtype=int)
    for position in sorted(set(rebase_at or ())):
        if not 0 <= position < count:
            raise ValueError(f"rebase_at: position {position!r} is not a point position (0 to {count - 1})")
        group[position:] += 1
    return group


def _sigma_z(x: np.ndarray, n: np.ndarray, group: np.ndarray) -> float:
    """Laney's sigma_z, from moving ranges of z-scores within each group (each group's own centre)."""
    ranges: list[np.ndarray] = []
    for g in np.unique(group):
        sel = group == g
        xs, ns = x[sel], n[sel]
        valid = (ns > 0) & ~np.isnan(xs)
        if valid.sum() < 2:
            continue
        centre = xs[valid].sum() / ns[valid].sum()
        if not 0 < centre < 1:
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(valid, (xs / ns - centre) / np.sqrt(centre * (1 - centre) / ns), np.nan)
        moving = np.abs(np.diff(z))
        ranges.append(moving[np.isfinite(moving)])
    pooled = np.concatenate(ranges) if ranges else np.array([])
    return float(pooled.mean() / D2) if len(pooled) else float("nan")


def choose_chart(
    numerators: Any, denominators: Any | None, rebase_at: Sequence[int] | None = None
) -> ChartChoice:
    """The chart that fits a proportion series, by the rule in this module's docstring."""
    if denominators is None:
        return ChartChoice("xmr", float("nan"), "the values have no denominators")
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    check_counts(x, n)
    sigma_z = _sigma_z(x, n, _groups(len(x), rebase_at))
    if not np.isfinite(sigma_z):
        return ChartChoice("p", sigma_z, "there are too few points to measure the variation between them")
    if sigma_z < 1:
        return ChartChoice(
            "p",
            sigma_z,
            f"the points vary less than chance (sigma z {sigma_z:.2f}): consecutive points share most "
            "of their patients, so the limits come from each point's denominator and only points "
            "beyond them are special cause",
        )
    if sigma_z == 1:
        return ChartChoice("p", sigma_z, "the points vary as chance would make them (sigma z 1.00)")
    valid = n[n > 0]
    mean_n = valid.mean() if len(valid) else 0.0
    if len(valid) and np.all(np.abs(valid - mean_n) <= CONSTANT_DENOMINATORS * mean_n):
        return ChartChoice(
            "xmr",
            sigma_z,
            f"the points vary more than chance (sigma z {sigma_z:.2f}) and the denominators are "
            "nearly constant",
        )
    return ChartChoice(
        "laney",
        sigma_z,
        f"the points vary more than chance (sigma z {sigma_z:.2f}) and the denominators vary, so "
        "each point's limits are widened by sigma z",
    )


def proportion_spc(
    numerators: Any,
    denominators: Any,
    improvement: str = "increase",
    target: float | None = None,
    rebase_at: Sequence[int] | None = None,
    chart: str | None = None,
    run_length: int = 7,
    trend_length: int = 7,
) -> SpcResult:
    """SPC of proportions numerators / denominators (time order) on the chart `choose_chart` picks
    (or `chart`, one of CHARTS), with limits recalculated from each rebase position."""
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    check_counts(x, n)
    rebase = sorted(set(int(p) for p in rebase_at or ()) - {0})
    choice = (
        choose_chart(x, n, rebase) if chart is None else ChartChoice(chart, float("nan"), "it was asked for")
    )
    if choice.chart not in CHARTS:
        raise ValueError(f"chart: must be one of {', '.join(CHARTS)}, not {choice.chart!r}")
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(n > 0, x / np.where(n > 0, n, 1.0), np.nan)
    if choice.chart == "xmr":
        result = spc(
            y,
            improvement=improvement,
            target=target,
            rebase_at=rebase or None,
            run_length=run_length,
            trend_length=trend_length,
        )
    else:
        result = _binomial_spc(
            x,
            n,
            y,
            choice.chart == "laney",
            improvement,
            target,
            rebase,
            run_length,
            trend_length,
            choice.rules,
        )
    return dataclasses.replace(
        result, chart=choice.chart, chart_reason=choice.reason, rebased_at=tuple(rebase)
    )


def _binomial_spc(
    x: np.ndarray,
    n: np.ndarray,
    y: np.ndarray,
    laney: bool,
    improvement: str,
    target: float | None,
    rebase: list[int],
    run_length: int,
    trend_length: int,
    rules: tuple[str, ...],
) -> SpcResult:
    if target is not None and not np.isfinite(target):
        raise ValueError("target: must be a finite number")
    count = len(y)
    group = _groups(count, rebase)
    cols = {k: np.full(count, np.nan) for k in ("mean", "lpl", "upl", "near_lpl", "near_upl")}
    warnings: list[str] = []
    for g in np.unique(group):
        sel = np.flatnonzero(group == g)
        chart = p_chart(x[sel], n[sel], laney=laney).table
        cols["mean"][sel] = chart["centre"].to_numpy()
        cols["lpl"][sel], cols["upl"][sel] = chart["lower_3s"].to_numpy(), chart["upper_3s"].to_numpy()
        cols["near_lpl"][sel], cols["near_upl"][sel] = (
            chart["lower_2s"].to_numpy(),
            chart["upper_2s"].to_numpy(),
        )
        if len(sel) < SHORT_GROUP:
            warnings.append(
                f"points {sel[0]} to {sel[-1]}: only {len(sel)} points; limits from fewer than "
                f"{SHORT_GROUP} points are unreliable"
            )
    side, outside, close, rule, direction = special_causes(y, group, cols, run_length, trend_length, rules)
    return _result(y, y, group, cols, side, outside, close, rule, direction, improvement, target, warnings)


# --- an indicator's series: rebases and seasons -------------------------------------------------------


@dataclass(frozen=True)
class SeriesSpc:
    """The SPC of an indicator series as a page shows it: `result` over the points at `dates`
    (for a seasonal indicator, one point per season at the same point of the season as the
    latest date, labelled by `labels`)."""

    result: SpcResult
    dates: list[dt.date]
    labels: list[str]  # x labels: ISO dates, or season names ("2024-25") for a seasonal series
    seasonal: bool
    season_point: str | None  # e.g. "end of March" / "week 12 of the season"; None if not seasonal
    rebase_dates: list[dt.date]  # the dates (among `dates`) where limits were recalculated


def season_of(day: dt.date, start: tuple[int, int]) -> dt.date:
    """The start of the season `day` is in: the latest (month, day) on or before it."""
    this_year = dt.date(day.year, *start)
    return this_year if this_year <= day else dt.date(day.year - 1, *start)


def _season_position(day: dt.date, start: tuple[int, int], weekly: bool) -> int:
    anchor = season_of(day, start)
    if weekly:
        return (day - anchor).days // 7
    return (day.year * 12 + day.month) - (anchor.year * 12 + anchor.month)


def rebase_positions(dates: Sequence[dt.date], rebase_dates: Sequence[dt.date]) -> list[int]:
    """For each rebase date, the first of `dates` on or after it (never the first point: the
    first group starts there anyway); dates after the series are ignored."""
    out = set()
    for r in rebase_dates:
        pos = next((i for i, d in enumerate(dates) if d >= r), None)
        if pos:
            out.add(pos)
    return sorted(out)


def series_spc(
    numerators: Any,
    denominators: Any,
    dates: Sequence[dt.date],
    improvement: str = "increase",
    target: float | None = None,
    season_start: tuple[int, int] | None = None,
    rebase_dates: Sequence[dt.date] = (),
) -> SeriesSpc:
    """The SPC an indicator page shows for one practice or group: `proportion_spc` over the whole
    series, or for a seasonal indicator (`season_start` = (month, day)) over the same point of
    each season; limits recalculated at `rebase_dates`."""
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    dates = list(dates)
    if len(dates) != len(x):
        raise ValueError(f"inputs differ in length: dates has {len(dates)}, numerators has {len(x)}")
    if season_start is None:
        rebase = rebase_positions(dates, rebase_dates)
        result = proportion_spc(x, n, improvement, target, rebase)
        return SeriesSpc(
            result, dates, [d.isoformat() for d in dates], False, None, [dates[i] for i in rebase]
        )
    gaps = np.diff([d.toordinal() for d in dates]) if len(dates) > 1 else np.array([30])
    weekly = bool(np.median(gaps) < 28)
    position = [_season_position(d, season_start, weekly) for d in dates]
    latest = position[-1]
    keep = [i for i, p in enumerate(position) if p == latest]
    picked = [dates[i] for i in keep]
    rebase = rebase_positions(picked, rebase_dates)
    result = proportion_spc(x[keep], n[keep], improvement, target, rebase)
    seasons = [season_of(d, season_start) for d in picked]
    last = dates[-1]
    point = f"week {latest + 1} of the season" if weekly else f"end of {last:%B}"
    return SeriesSpc(
        result,
        picked,
        [f"{s.year}-{(s.year + 1) % 100:02d}" for s in seasons],
        True,
        point,
        [picked[i] for i in rebase],
    )
