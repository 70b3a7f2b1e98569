"""One ranking rule for every league table, campaign page, newsletter and API answer.

Practices are ranked on their raw values (a rank is a categorical verdict, the same for every
viewer), best first in the indicator's direction, with standard competition ranking: tied
values share the best rank of the tie and the next rank skips ("1, 2, 2, 4"). Practices
without a value (no denominator) are not ranked.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def competition_ranks(values: Any, higher_is_better: bool) -> np.ndarray:
    """Rank of each value (1 = best), NaN for missing values; ties share the best rank."""
    v = np.asarray(values, dtype="float64")
    out = np.full(len(v), np.nan)
    present = ~np.isnan(v)
    if not present.any():
        return out
    key = -v[present] if higher_is_better else v[present]
    ordered = np.sort(key)
    out[present] = np.searchsorted(ordered, key, side="left") + 1
    return out
