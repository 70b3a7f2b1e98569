"""How much practices differ from one another: median, interquartile range, range, SD and
coefficient of variation of practice rates, unweighted or weighted by list size, and the same
compared between two dates (docs/statistics.md).

Unweighted quantiles use linear interpolation between order statistics (R's default type 7,
NumPy's "linear"). Weighted quantiles are those of the patient-level distribution: each
practice's rate counted once per registered patient, read off the inverted cumulative
distribution (NumPy's weighted "inverted_cdf"), so "the weighted median is 62%" means half the
registered patients are at practices at or below 62%. The unweighted SD is the sample SD of the
practice rates (n - 1); the weighted SD is the SD of that patient-level distribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from gpqi.stats._inputs import as_float_array, first_bad, same_length

STATISTICS: tuple[str, ...] = ("n", "mean", "median", "q1", "q3", "iqr", "min", "max", "sd", "cv")


def variation(rates: Any, weights: Any = None) -> dict[str, Any]:
    """Summary of the spread of `rates` (NaN rates, and zero weights, are left out).

    Returns a dict with n, mean, median, q1, q3, iqr, min, max, sd, cv (SD / mean; NaN when the
    mean is 0) and weighted (bool). With no usable rates every statistic but n is NaN.
    """
    r = as_float_array(rates, "rates")
    keep = ~np.isnan(r)
    w = None
    if weights is not None:
        w = as_float_array(weights, "weights")
        same_length(rates=r, weights=w)
        bad = (w < 0) | np.isnan(w) | np.isinf(w)
        if bad.any():
            raise ValueError(f"weights: missing, negative or infinite weight at position {first_bad(bad)}")
        keep &= w > 0
        w = w[keep]
    r = r[keep]
    out: dict[str, Any] = {name: float("nan") for name in STATISTICS}
    out["n"] = len(r)
    out["weighted"] = w is not None
    if len(r) == 0:
        return out
    if w is None:
        q1, median, q3 = np.quantile(r, [0.25, 0.5, 0.75], method="linear")
        mean = float(r.mean())
        sd = float(r.std(ddof=1)) if len(r) > 1 else 0.0
    else:
        q1, median, q3 = np.quantile(r, [0.25, 0.5, 0.75], weights=w, method="inverted_cdf")
        mean = float(np.average(r, weights=w))
        sd = float(np.sqrt(np.average((r - mean) ** 2, weights=w)))
    out.update(
        mean=mean,
        median=float(median),
        q1=float(q1),
        q3=float(q3),
        iqr=float(q3 - q1),
        min=float(r.min()),
        max=float(r.max()),
        sd=sd,
        cv=sd / mean if mean != 0 else float("nan"),
    )
    return out


def compare_variation(
    before: Mapping[str, Any] | Any, after: Mapping[str, Any] | Any
) -> dict[str, dict[str, Any]]:
    """Each statistic before and after, with the change (after - before).

    `before` and `after` are `variation()` results, or arrays of rates (summarised unweighted).
    A fall in the IQR, SD or CV means practices have become more alike.
    """
    b = before if isinstance(before, Mapping) else variation(before)
    a = after if isinstance(after, Mapping) else variation(after)
    return {name: {"before": b[name], "after": a[name], "change": a[name] - b[name]} for name in STATISTICS}
