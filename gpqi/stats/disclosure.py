"""Disclosure control for counts shown outside the practice that owns them (docs/statistics.md).

Policy, in one place: a count at or below `redact_at_or_below` (default 7, zero included) is
redacted; every other count is rounded to the nearest multiple of `round_to` (default 5), a
half rounded up (12.5 -> 15 with round_to 5 cannot occur for whole counts; with round_to 10,
15 -> 20). A count that would round to 0 is redacted as well: a published 0 must never stand for
a real, small, non-zero count. Rates are recomputed from the rounded counts.

For a numerator/denominator pair (`disclose_table`): a redacted numerator redacts the rate too,
because the rate times the shown denominator would give the numerator back; the denominator
stays visible, rounded, since on its own it reveals nothing about the numerator. A redacted
denominator (at or below the threshold) always comes with a redacted numerator, which cannot
exceed it. Both counts are rounded independently, so the number not meeting the indicator
(denominator - numerator) is only known to within the rounding.

The thresholds are configuration (the workspace's gpqi.toml [disclosure] section); callers pass
them in. Nothing here logs or echoes a count.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpqi.stats._inputs import all_scalar, as_float_array, first_bad, unwrap

REDACT_AT_OR_BELOW = 7
ROUND_TO = 5


def _check_policy(redact_at_or_below: float, round_to: float) -> None:
    if not np.isfinite(redact_at_or_below) or redact_at_or_below < 0:
        raise ValueError("redact_at_or_below: must be a non-negative number")
    if not np.isfinite(round_to) or round_to < 1:
        raise ValueError("round_to: must be at least 1")


def disclose(counts: Any, redact_at_or_below: float = REDACT_AT_OR_BELOW, round_to: float = ROUND_TO) -> Any:
    """Counts safe to show: NaN where redacted (or missing), else rounded to `round_to`."""
    _check_policy(redact_at_or_below, round_to)
    c = as_float_array(counts, "counts")
    bad = c < 0
    if bad.any():
        raise ValueError(f"counts: negative count at position {first_bad(bad)}")
    rounded = np.floor(c / round_to + 0.5) * round_to
    with np.errstate(invalid="ignore"):
        hidden = np.isnan(c) | (c <= redact_at_or_below) | (rounded <= 0)
    return unwrap(np.where(hidden, np.nan, rounded), all_scalar(counts))


def disclose_table(
    table: pd.DataFrame,
    numerator: str = "numerator",
    denominator: str = "denominator",
    value: str = "value",
    redact_at_or_below: float = REDACT_AT_OR_BELOW,
    round_to: float = ROUND_TO,
) -> pd.DataFrame:
    """A copy of `table` with the numerator and denominator columns disclosed, `value`
    recomputed as rounded numerator / rounded denominator (NaN when either is redacted), and a
    boolean `redacted` column saying whether the numerator was withheld."""
    for column in (numerator, denominator):
        if column not in table.columns:
            raise ValueError(f"table: no column {column!r}")
    out = table.copy()
    num = disclose(out[numerator].to_numpy(dtype="float64", na_value=np.nan), redact_at_or_below, round_to)
    den = disclose(out[denominator].to_numpy(dtype="float64", na_value=np.nan), redact_at_or_below, round_to)
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    over = np.asarray(out[numerator], dtype="float64") > np.asarray(out[denominator], dtype="float64")
    if over.any():
        raise ValueError(f"table: numerator is greater than denominator at row {first_bad(over)}")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(np.isnan(num) | np.isnan(den) | (den == 0), np.nan, num / den)
    out[numerator], out[denominator], out[value] = num, den, rate
    out["redacted"] = np.isnan(num)
    return out
