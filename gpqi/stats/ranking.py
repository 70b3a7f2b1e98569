"""Where a practice stands among its peers: percentile ranks and deciles (docs/statistics.md).

Ranks run from the lowest value to the highest; whether low or high is good is applied when the
result is shown, not here. The peer group is whatever set of values the caller passes (network,
sub-ICB, programme or national).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpqi.stats._inputs import as_float_array, index_of

DECILES: tuple[int, ...] = (10, 20, 30, 40, 50, 60, 70, 80, 90)


def percent_rank(values: Any) -> Any:
    """Percentile rank 0-100 of each value among the non-missing values: (rank - 1) / (n - 1) x
    100 with tied values all given the lowest of their ranks, as SQL's PERCENT_RANK (which
    OpenPrescribing uses). The lowest value ranks 0, the highest 100; a single value ranks 0.
    NaN stays NaN. A pandas Series in gives a Series (same index) out.
    """
    v = as_float_array(values, "values")
    present = ~np.isnan(v)
    count = int(present.sum())
    out = np.full(len(v), np.nan)
    if count:
        ordered = np.sort(v[present])
        lowest_rank = np.searchsorted(ordered, v[present], side="left")  # 0-based "min" rank
        out[present] = 100.0 * lowest_rank / (count - 1) if count > 1 else 0.0
    index = index_of(values)
    return pd.Series(out, index=index) if index is not None else out


def deciles(values: Any) -> pd.Series:
    """The 10th, 20th ... 90th percentiles of the non-missing values (linear interpolation between
    order statistics), indexed by percentile. All NaN when there are no values."""
    v = as_float_array(values, "values")
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return pd.Series(np.nan, index=list(DECILES), dtype="float64", name="value")
    return pd.Series(np.percentile(v, DECILES, method="linear"), index=list(DECILES), name="value")
