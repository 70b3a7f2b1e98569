"""Confidence intervals for a proportion: the Wilson score interval (docs/statistics.md).

Wilson rather than the normal ("Wald") interval because it stays inside 0-1 and keeps its coverage
for the small denominators and extreme proportions that small practices produce.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpqi.stats._inputs import all_scalar, as_float_array, check_counts, same_length, unwrap

Z95 = 1.959964  # two-sided 95%
Z998 = 3.090232  # two-sided 99.8%


def wilson_interval(numerator: Any, denominator: Any, z: float = Z95) -> tuple[Any, Any]:
    """Lower and upper Wilson score limits for numerator/denominator, element by element.

    A zero (or missing) denominator gives NaN limits. The limits are exactly 0 for a numerator of
    0 and exactly 1 for a numerator equal to the denominator. Arrays in, arrays out; two scalars in,
    two floats out.
    """
    if not np.isfinite(z) or z <= 0:
        raise ValueError("z: must be a positive number")
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    if len(x) == 1 and len(n) > 1:
        x = np.full(len(n), x[0])
    same_length(numerator=x, denominator=n)
    check_counts(x, n)
    valid = n > 0  # False for NaN too
    safe_n = np.where(valid, n, 1.0)
    safe_x = np.where(valid & ~np.isnan(x), x, 0.0)
    z2 = z * z
    # (2x + z^2 +- z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)): Wilson (1927) in count form
    root = z * np.sqrt(np.maximum(z2 + 4 * safe_x * (1 - safe_x / safe_n), 0.0))
    denom = 2 * (safe_n + z2)
    lower = np.clip((2 * safe_x + z2 - root) / denom, 0.0, 1.0)
    upper = np.clip((2 * safe_x + z2 + root) / denom, 0.0, 1.0)
    lower = np.where(safe_x == 0, 0.0, lower)  # exact, whatever the rounding
    upper = np.where(safe_x == safe_n, 1.0, upper)
    missing = ~valid | np.isnan(x)
    scalar = all_scalar(numerator, denominator)
    return (
        unwrap(np.where(missing, np.nan, lower), scalar),
        unwrap(np.where(missing, np.nan, upper), scalar),
    )
