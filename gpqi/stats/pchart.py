"""p-charts and Laney p'-charts: control limits for a proportion over time when the
denominator changes from point to point (docs/statistics.md).

p-chart: centre p = sum of numerators / sum of denominators; sigma_i = sqrt(p (1 - p) / n_i);
limits p +- 3 sigma_i (and +- 2 sigma_i), clipped to 0-1.

Laney p' (Laney 2002, "Improved control charts for attributes"): with large denominators the
binomial sigma is too small for real processes, so every point is flagged. Laney rescales it by
sigma_z, the spread of the points' z-scores z_i = (p_i - p) / sigma_i estimated from their moving
ranges: sigma_z = mean |z_i - z_(i-1)| / 1.128. Limits become p +- 3 sigma_i sigma_z.

Points with a zero or missing denominator have no proportion, no limits and no flag; a moving
range needs both its points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gpqi.stats._inputs import as_float_array, check_counts, frame, index_of, labels, same_length

D2 = 1.128  # expected moving range of two standard normal values


@dataclass(frozen=True)
class PChartResult:
    """`table` per point: numerator, denominator, proportion, centre, sigma, lower_3s, upper_3s,
    lower_2s, upper_2s, beyond_3s and beyond_2s ("high", "low" or None)."""

    centre: float
    sigma_z: float  # 1 for a plain p-chart
    laney: bool
    table: pd.DataFrame


def p_chart(numerators: Any, denominators: Any, laney: bool = False) -> PChartResult:
    """Per-point centre, 3-sigma and 2-sigma limits and flags for proportions over time."""
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    check_counts(x, n)
    valid = (n > 0) & ~np.isnan(x)
    safe_n = np.where(valid, n, 1.0)
    p = np.where(valid, x / safe_n, np.nan)
    total = n[valid].sum()
    centre = float(x[valid].sum() / total) if total > 0 else float("nan")
    sigma = np.where(valid, np.sqrt(centre * (1.0 - centre) / safe_n), np.nan)

    sigma_z = 1.0
    if laney:
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (p - centre) / sigma
        moving = np.abs(np.diff(z))
        moving = moving[np.isfinite(moving)]
        sigma_z = float(moving.mean() / D2) if len(moving) else float("nan")

    table: dict[str, Any] = {
        "numerator": x,
        "denominator": n,
        "proportion": p,
        "centre": np.where(valid, centre, np.nan),
    }
    table["sigma"] = sigma * sigma_z
    for k in (3, 2):
        lower = np.clip(centre - k * table["sigma"], 0.0, 1.0)
        upper = np.clip(centre + k * table["sigma"], 0.0, 1.0)
        table[f"lower_{k}s"], table[f"upper_{k}s"] = lower, upper
    for k in (3, 2):
        flag = np.full(len(x), None, dtype=object)
        with np.errstate(invalid="ignore"):
            flag[valid & (p > table[f"upper_{k}s"])] = "high"
            flag[valid & (p < table[f"lower_{k}s"])] = "low"
        table[f"beyond_{k}s"] = labels(flag)
    index = index_of(numerators) if index_of(numerators) is not None else index_of(denominators)
    return PChartResult(centre=centre, sigma_z=sigma_z, laney=laney, table=frame(table, index))
