"""Statistical process control, NHS England "Making Data Count" XmR charts, matching the
NHS-R Community's NHSRplotthedots package (docs/statistics.md).

For each group of points (a new group starts at every rebase position):

- mean of the values (of the first `fix_after_n_points` values only, when limits are fixed);
- moving ranges |x_i - x_(i-1)| and their mean; with screening on, moving ranges not below
  3.267 x that mean are dropped and the mean recomputed once;
- process limits mean +- 2.66 x mean moving range; "near" limits at two thirds of that distance.

Special-cause rules, in order of precedence (the first that fires names the point's rule and
direction): a point strictly beyond a process limit; a trend of `trend_length` points each strictly
above (or below) the one before; two of three consecutive points beyond the same near limit (the
third anywhere; a point beyond the process limit is not "near"); a run of `run_length` points on
one side of the mean (a point exactly on the mean breaks it). Every point of a qualifying trend, run or pair is special cause. Rules look
only within a group: a rebase starts them afresh.

One deliberate difference from NHSRplotthedots 0.2: its two-of-three rule also requires the
third point to be on the same side of the mean; docs/architecture.md and Making Data Count's wording ("two
out of three consecutive points close to a process limit") do not, and the NHSRplotthedots
integration snapshots in tests/stats (A&E attendances, RL4) were made under that wording.

A missing value (NaN) has no point type, breaks runs and trends, and takes no part in the mean
or the moving ranges (a moving range needs both its points).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from gpqi.stats._inputs import as_float_array, frame, index_of, labels

Improvement = Literal["increase", "decrease", "neutral"]
IMPROVEMENTS: tuple[str, ...] = ("increase", "decrease", "neutral")
POINT_TYPES: tuple[str, ...] = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neutral_high",
    "special_cause_neutral_low",
)
RULES: tuple[str, ...] = ("outside_limits", "trend", "two_of_three", "shift")
ASSURANCES: tuple[str, ...] = ("consistent_pass", "consistent_fail", "inconsistent")
CHARTS: tuple[str, ...] = ("xmr", "p", "laney")
CHART_LABELS = {"xmr": "XmR chart", "p": "p-chart", "laney": "Laney p\u2032 chart"}

LIMIT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two
NEAR_LIMIT = LIMIT * 2 / 3
SCREEN_AT = 3.267  # D4 for n = 2: a moving range this large is itself out of control
MIN_FIX_POINTS = 12  # NHSRplotthedots refuses to fix limits on fewer points
SHORT_GROUP = 12  # fewer points than this: limits are shown but unreliable


@dataclass(frozen=True)
class SpcResult:
    """`table` has one row per point (input order, input index kept): value, group, mean, lpl,
    upl, near_lpl, near_upl, relative_to_mean (-1, 0, 1), outside_limits, close_to_limits,
    point_type, rule (one of RULES or None), direction ("high", "low" or None)."""

    table: pd.DataFrame
    improvement: str
    target: float | None
    variation: str | None  # the last point's type (the last point with a value)
    assurance: str | None  # consistent_pass / consistent_fail / inconsistent; None without a target
    warnings: tuple[str, ...] = field(default=())
    chart: str = "xmr"  # one of CHARTS: the chart whose limits these are
    chart_reason: str = ""  # why that chart was chosen (gpqi.stats.spc_series), in plain words
    rebased_at: tuple[int, ...] = field(default=())  # positions where limits were recalculated

    @property
    def chart_label(self) -> str:
        return CHART_LABELS[self.chart]

    @property
    def variation_icon(self) -> str | None:
        return variation_icon(self.variation, self.improvement)

    @property
    def assurance_icon(self) -> str | None:
        return {"consistent_pass": "pass", "consistent_fail": "fail", "inconsistent": "inconsistent"}.get(
            self.assurance or ""
        )


def variation_icon(point_type: str | None, improvement: str) -> str | None:
    """The Making Data Count variation icon for a point type: common_cause, improvement_high,
    improvement_low, concern_high, concern_low, neutral_high or neutral_low (high/low say which
    way the values moved)."""
    if point_type is None:
        return None
    if point_type == "common_cause":
        return "common_cause"
    if point_type.startswith("special_cause_neutral_"):
        return "neutral_" + point_type.rsplit("_", 1)[1]
    high_is_good = improvement == "increase"
    if point_type == "special_cause_improvement":
        return "improvement_high" if high_is_good else "improvement_low"
    return "concern_low" if high_is_good else "concern_high"


def _part_of(flags: np.ndarray, length: int) -> np.ndarray:
    """Flags mark the last point of a qualifying stretch; mark the whole stretch."""
    out = np.zeros(len(flags), dtype=bool)
    for end in np.flatnonzero(flags):
        out[max(0, end - length + 1) : end + 1] = True
    return out


def _runs(side: np.ndarray, length: int) -> np.ndarray:
    """End points of `length` consecutive points on the same (non-zero) side of the mean."""
    flags = np.zeros(len(side), dtype=bool)
    streak = 0
    for i, s in enumerate(side):
        streak = streak + 1 if s != 0 and i > 0 and side[i - 1] == s else (1 if s != 0 else 0)
        flags[i] = streak >= length
    return flags


def _trends(values: np.ndarray, length: int) -> np.ndarray:
    """+1/-1 at the end point of `length` points each strictly above/below the one before."""
    out = np.zeros(len(values), dtype=int)
    if length < 2:
        return out
    with np.errstate(invalid="ignore"):
        step = np.sign(np.diff(values))  # NaN where either point is missing: breaks the trend
    for end in range(length - 1, len(values)):
        window = step[end - length + 1 : end]
        if np.all(window == 1):
            out[end] = 1
        elif np.all(window == -1):
            out[end] = -1
    return out


def _trend_direction(values: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Direction of the trend a point belongs to. As NHSRplotthedots: use the step to the next
    point when that point is also in a trend, else the step from the previous point (also when
    the step to the next point is flat: the next point starts a different trend)."""
    with np.errstate(invalid="ignore"):
        step = np.sign(np.diff(values))
    forward = np.append(step, step[-1:] if len(step) else [])
    backward = np.insert(step, 0, 0.0)
    next_in_trend = np.append(part[1:], False)
    return np.where(part & next_in_trend & (forward != 0), forward, backward)


def _two_of_three(close: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Points beyond a near limit that are two (or three) of three consecutive points beyond the
    same near limit. The third point may be anywhere; a point beyond the process limit is not
    "near" and does not count."""
    size = len(close)
    hit = np.zeros(size, dtype=bool)
    for sign in (1, -1):
        near_here = close & (side == sign)
        for start in range(0, size - 2):
            window = slice(start, start + 3)
            if near_here[window].sum() >= 2:
                hit[window] |= near_here[window]
    return hit


def _limits(values: np.ndarray, fix_after: int | None, screen: bool) -> tuple[float, float]:
    """(mean, mean moving range) of one group."""
    basis = values if fix_after is None else values[:fix_after]
    if np.isnan(basis).all():
        return float("nan"), float("nan")
    mean = float(np.nanmean(basis))
    ranges = np.abs(np.diff(basis))
    ranges = ranges[~np.isnan(ranges)]
    if len(ranges) == 0:
        return mean, float("nan")
    amr = float(ranges.mean())
    if screen and amr > 0:  # a constant group has nothing to screen; its limits sit on the mean
        amr = float(ranges[ranges < SCREEN_AT * amr].mean())
    return mean, amr


def _group_bounds(count: int, rebase_at: Any) -> list[tuple[int, int]]:
    starts = {0}
    for position in rebase_at or ():
        pos = int(position)
        if pos != position or not 0 <= pos < count:
            raise ValueError(f"rebase_at: position {position!r} is not a point position (0 to {count - 1})")
        starts.add(pos)
    edges = sorted(starts) + [count]
    return [(a, b) for a, b in zip(edges, edges[1:], strict=False) if a < b]


def spc(
    values: Any,
    improvement: Improvement | str = "increase",
    target: float | None = None,
    fix_after_n_points: int | None = None,
    rebase_at: list[int] | None = None,
    screen_outliers: bool = True,
    run_length: int = 7,
    trend_length: int = 7,
) -> SpcResult:
    """A Making Data Count XmR chart of `values` (in time order)."""
    if improvement not in IMPROVEMENTS:
        raise ValueError(f"improvement: must be one of {', '.join(IMPROVEMENTS)}, not {improvement!r}")
    if fix_after_n_points is not None and (
        int(fix_after_n_points) != fix_after_n_points or fix_after_n_points < MIN_FIX_POINTS
    ):
        raise ValueError(f"fix_after_n_points: must be a whole number of at least {MIN_FIX_POINTS}")
    for name, length in (("run_length", run_length), ("trend_length", trend_length)):
        if int(length) != length or length < 2:
            raise ValueError(f"{name}: must be a whole number of at least 2")
    if target is not None and not np.isfinite(target):
        raise ValueError("target: must be a finite number")
    y = as_float_array(values, "values")
    count = len(y)
    cols: dict[str, np.ndarray] = {
        name: np.full(count, np.nan) for name in ("mean", "lpl", "upl", "near_lpl", "near_upl")
    }
    group = np.zeros(count, dtype=int)
    warnings: list[str] = []

    for g, (a, b) in enumerate(_group_bounds(count, rebase_at)):
        v = y[a:b]
        group[a:b] = g
        mean, amr = _limits(v, fix_after_n_points, screen_outliers)
        if b - a < SHORT_GROUP:
            warnings.append(
                f"points {a} to {b - 1}: only {b - a} points; limits from fewer than {SHORT_GROUP} points are unreliable"
            )
        cols["mean"][a:b] = mean
        cols["lpl"][a:b], cols["upl"][a:b] = mean - LIMIT * amr, mean + LIMIT * amr
        cols["near_lpl"][a:b], cols["near_upl"][a:b] = mean - NEAR_LIMIT * amr, mean + NEAR_LIMIT * amr
    side, outside, close, rule, direction = special_causes(
        y, group, cols, run_length=run_length, trend_length=trend_length
    )
    return _result(
        y, values, group, cols, side, outside, close, rule, direction, improvement, target, warnings
    )


def special_causes(
    y: np.ndarray,
    group: np.ndarray,
    cols: dict[str, np.ndarray],
    run_length: int = 7,
    trend_length: int = 7,
    rules: tuple[str, ...] = RULES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The special-cause rules (those of RULES named in `rules`) over points with per-point
    limits (`cols`: mean, lpl, upl, near_lpl, near_upl), applied within each group (consecutive
    equal `group` values) in order of precedence. Any chart with a centre, process limits and near
    limits (XmR, p, Laney p') uses this. Returns side of the mean, beyond a limit, beyond a near
    limit, rule, direction."""
    count = len(y)
    side = np.zeros(count, dtype=int)
    outside = np.zeros(count, dtype=bool)
    close = np.zeros(count, dtype=bool)
    rule = np.full(count, None, dtype=object)
    direction = np.zeros(count, dtype=int)
    starts = [0] + [i for i in range(1, count) if group[i] != group[i - 1]] + [count]
    for a, b in zip(starts, starts[1:], strict=False):
        v = y[a:b]
        mean = cols["mean"][a:b]
        with np.errstate(invalid="ignore"):
            s = np.where(np.isnan(v) | np.isnan(mean), 0, np.sign(v - mean)).astype(int)
            out = (v > cols["upl"][a:b]) | (v < cols["lpl"][a:b])
            near = ~out & ((v > cols["near_upl"][a:b]) | (v < cols["near_lpl"][a:b]))
        side[a:b], outside[a:b], close[a:b] = s, out, near

        trend = _part_of(_trends(v, trend_length) != 0, trend_length) & ("trend" in rules)
        trend_dir = _trend_direction(v, trend)
        pair = _two_of_three(near, s) & ("two_of_three" in rules)
        shift = _part_of(_runs(s, run_length), run_length) & ("shift" in rules)
        # precedence: the first rule that fires decides the point's rule and direction
        for i in range(b - a):
            if np.isnan(v[i]):
                continue
            if out[i] and "outside_limits" in rules:
                rule[a + i], direction[a + i] = "outside_limits", 1 if v[i] > cols["upl"][a + i] else -1
            elif trend[i]:
                rule[a + i], direction[a + i] = "trend", int(trend_dir[i])
            elif pair[i]:
                rule[a + i], direction[a + i] = "two_of_three", int(s[i])
            elif shift[i]:
                rule[a + i], direction[a + i] = "shift", int(s[i])
    return side, outside, close, rule, direction


def _result(
    y: np.ndarray,
    values: Any,
    group: np.ndarray,
    cols: dict[str, np.ndarray],
    side: np.ndarray,
    outside: np.ndarray,
    close: np.ndarray,
    rule: np.ndarray,
    direction: np.ndarray,
    improvement: str,
    target: float | None,
    warnings: list[str],
    chart: str = "xmr",
) -> SpcResult:
    """Point types from the rules' directions, the result table, and the latest point's
    variation and assurance."""
    count = len(y)
    point_type = np.full(count, None, dtype=object)
    for i in range(count):
        if np.isnan(y[i]):
            continue
        if rule[i] is None or direction[i] == 0:
            point_type[i] = "common_cause"
        elif improvement == "neutral":
            point_type[i] = "special_cause_neutral_high" if direction[i] > 0 else "special_cause_neutral_low"
        else:
            good = direction[i] > 0 if improvement == "increase" else direction[i] < 0
            point_type[i] = "special_cause_improvement" if good else "special_cause_concern"

    table = frame(
        {
            "value": y,
            "group": group,
            **cols,
            "relative_to_mean": side,
            "outside_limits": outside,
            "close_to_limits": close,
            "point_type": labels(point_type),
            "rule": labels(rule),
            "direction": labels([{1: "high", -1: "low"}.get(int(d)) for d in direction]),
        },
        index_of(values),
    )
    present = np.flatnonzero(~np.isnan(y))
    last = int(present[-1]) if len(present) else None
    variation = point_type[last] if last is not None else None
    assurance = (
        _assurance(target, improvement, cols["lpl"][last], cols["upl"][last]) if last is not None else None
    )
    return SpcResult(
        table=table,
        improvement=improvement,
        target=target,
        variation=variation,
        assurance=assurance,
        warnings=tuple(warnings),
        chart=chart,
    )


def _assurance(target: float | None, improvement: str, lpl: float, upl: float) -> str | None:
    """Can the process be relied on to meet the target? Judged on the latest limits."""
    if target is None or improvement == "neutral" or np.isnan(lpl) or np.isnan(upl):
        return None
    if target > upl:
        return "consistent_fail" if improvement == "increase" else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if improvement == "increase" else "consistent_fail"
    return "inconsistent"
