"""Funnel plots for proportions: control limits around a comparator that narrow as the
denominator grows, so a small practice's result is judged against the play of chance at its size.

Two methods (docs/statistics.md):

- "wilson" (OHID / Fingertips): the limits are the proportions p whose Wilson score interval has
  the comparator p0 exactly at its edge, which works out as p0 +- z sqrt(p0 (1 - p0) / n), clipped
  to 0-1. PHEindicatormethods' `phe_funnels` computes the same limits (tests/stats reproduce its
  published table).
- "spiegelhalter" (Spiegelhalter 2005, as FunnelPlotR does for proportions): on the arcsine
  scale y = asin(sqrt(p)) with standard error s = 1 / (2 sqrt(n)); z-scores winsorised at their
  10th and 90th percentiles; overdispersion phi = mean of squared winsorised z; when phi > 1 a
  DerSimonian-Laird between-unit variance tau2 widens every limit:
  sin^2(asin(sqrt(p0)) +- z sqrt(1 / (4n) + tau2)).

A unit exactly on a limit is inside it. Units with a zero or missing denominator get no
proportion, no limits and no outlier flag, and take no part in the pooled comparator or in phi.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from gpqi.stats._inputs import (
    as_float_array,
    check_counts,
    check_proportion,
    frame,
    index_of,
    labels,
    same_length,
)
from gpqi.stats.proportions import Z95, Z998

Method = Literal["wilson", "spiegelhalter"]
METHODS: tuple[str, ...] = ("wilson", "spiegelhalter")
WINSORISE_AT = 0.10  # each tail, as FunnelPlotR's default
LEVELS = (("95", Z95), ("998", Z998))


@dataclass(frozen=True)
class FunnelResult:
    """`table` has one row per unit, in input order (and with the input's index when given a
    pandas Series): numerator, denominator, proportion, z, lower_95, upper_95, lower_998,
    upper_998, outlier_95, outlier_998 ("high", "low" or None)."""

    target: float
    method: str
    phi: float  # overdispersion ratio, computed the same way for both methods (a diagnostic for wilson)
    tau2: float  # between-unit variance on the arcsine scale; 0 for wilson and when phi <= 1
    table: pd.DataFrame

    @property
    def overdispersed(self) -> bool:
        return bool(np.isfinite(self.phi) and self.phi > 1.0)

    def limits(self, denominators: Any) -> pd.DataFrame:
        """Limit curves at the given denominators, for drawing this funnel."""
        return funnel_limits(denominators, self.target, self.method, self.tau2)


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method: must be one of {', '.join(METHODS)}, not {method!r}")


def _limits(
    n: np.ndarray, target: float, method: str, tau2: float, z: float
) -> tuple[np.ndarray, np.ndarray]:
    valid = n > 0
    safe_n = np.where(valid, n, 1.0)
    if method == "wilson":
        half = z * np.sqrt(target * (1.0 - target) / safe_n)
        lower, upper = np.clip(target - half, 0.0, 1.0), np.clip(target + half, 0.0, 1.0)
    else:
        centre = math.asin(math.sqrt(target))
        half = z * np.sqrt(1.0 / (4.0 * safe_n) + tau2)
        # clip the angle, not the square: sin^2 turns back down beyond pi/2
        lower = np.sin(np.clip(centre - half, 0.0, math.pi / 2)) ** 2
        upper = np.sin(np.clip(centre + half, 0.0, math.pi / 2)) ** 2
    nan = np.full(len(n), np.nan)
    return np.where(valid, lower, nan), np.where(valid, upper, nan)


def funnel_limits(
    denominators: Any, target: float, method: Method | str = "wilson", tau2: float = 0.0
) -> pd.DataFrame:
    """Control limits at each denominator: columns denominator, lower_95, upper_95, lower_998,
    upper_998 (NaN where the denominator is not positive)."""
    _check_method(method)
    check_proportion(target, "target")
    if not np.isfinite(tau2) or tau2 < 0:
        raise ValueError("tau2: must be a non-negative number")
    n = as_float_array(denominators, "denominators")
    out: dict[str, np.ndarray] = {"denominator": n}
    for level, z in LEVELS:
        out[f"lower_{level}"], out[f"upper_{level}"] = _limits(n, target, method, tau2, z)
    return pd.DataFrame(out)


def overdispersion(proportions: np.ndarray, denominators: np.ndarray, target: float) -> tuple[float, float]:
    """(phi, tau2) on the arcsine scale, from units with a positive denominator.

    z-scores are winsorised at their 10th/90th percentiles (linear interpolation, as R's default
    quantile); phi is the mean squared winsorised z; tau2 = (I phi - (I - 1)) / (sum w - sum w^2 /
    sum w) with w = 1/s^2 = 4n, floored at 0, and 0 whenever phi <= 1 (docs/architecture.md: no adjustment
    without overdispersion).
    """
    keep = (denominators > 0) & ~np.isnan(proportions)
    p, n = proportions[keep], denominators[keep]
    count = len(p)
    if count == 0 or not np.isfinite(target):
        return float("nan"), 0.0
    s = 1.0 / (2.0 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(p)) - math.asin(math.sqrt(target))) / s
    low, high = np.quantile(z, [WINSORISE_AT, 1.0 - WINSORISE_AT])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    if phi <= 1.0:
        return phi, 0.0
    w = 1.0 / s**2
    spread = float(w.sum() - (w**2).sum() / w.sum())
    if spread <= 0:  # a single unit: no between-unit variance to estimate
        return phi, 0.0
    return phi, max(0.0, (count * phi - (count - 1)) / spread)


def funnel(
    numerators: Any,
    denominators: Any,
    target: float | None = None,
    method: Method | str = "wilson",
) -> FunnelResult:
    """Compare each unit's proportion with `target` (the pooled proportion, sum of numerators over
    sum of denominators, when not given) using funnel-plot control limits at 95% and 99.8%."""
    _check_method(method)
    check_proportion(target, "target")
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    check_counts(x, n)
    valid = (n > 0) & ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(valid, x / np.where(valid, n, 1.0), np.nan)
    if target is None:
        total = n[valid].sum()
        target = float(x[valid].sum() / total) if total > 0 else float("nan")
    target = float(target)

    phi, tau2 = overdispersion(p, np.where(valid, n, 0.0), target)
    if method == "wilson":
        tau2 = 0.0

    table: dict[str, Any] = {"numerator": x, "denominator": n, "proportion": p}
    safe_n = np.where(valid, n, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "wilson":
            z = (p - target) / np.sqrt(target * (1.0 - target) / safe_n)
        else:
            z = (np.arcsin(np.sqrt(p)) - math.asin(math.sqrt(target))) / np.sqrt(1.0 / (4.0 * safe_n) + tau2)
    # p == target with zero spread (target 0 or 1) is on the comparator, not infinitely far away
    table["z"] = np.where(valid, np.where(p == target, 0.0, z), np.nan)
    usable = valid & np.isfinite(target)
    for level, zc in LEVELS:
        if np.isfinite(target):
            lower, upper = _limits(np.where(usable, n, 0.0), target, method, tau2, zc)
        else:
            lower = upper = np.full(len(n), np.nan)
        table[f"lower_{level}"], table[f"upper_{level}"] = lower, upper
    for level, _ in LEVELS:
        lower, upper = table[f"lower_{level}"], table[f"upper_{level}"]
        flag = np.full(len(n), None, dtype=object)
        flag[usable & (p > upper)] = "high"
        flag[usable & (p < lower)] = "low"
        table[f"outlier_{level}"] = labels(flag)
    index = index_of(numerators) if index_of(numerators) is not None else index_of(denominators)
    return FunnelResult(target=target, method=method, phi=phi, tau2=float(tau2), table=frame(table, index))
