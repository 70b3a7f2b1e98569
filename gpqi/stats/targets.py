"""Targets: how far a practice is from one, and whether a network's combined result beats one
(the network incentive of the east London Clinical Effectiveness Group; docs/statistics.md).
A network's result is the sum of its numerators over the sum of its denominators, never an
average of practice rates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpqi.stats._inputs import all_scalar, as_float_array, check_counts, check_proportion, same_length, unwrap

_EPS = 1e-9  # 0.77 x 100 is 77.00000000000001 in floating point; that is 77 patients, not 78


def opportunity(numerator: Any, denominator: Any, target: float, higher_is_better: bool = True) -> Any:
    """How many more patients would need to meet the indicator (with the denominator unchanged)
    for numerator / denominator to reach `target`; never negative; 0 for an empty denominator or
    a missing count.
    For a lower-is-better indicator, how many fewer. Whole numbers (int64); scalars in, int out.
    """
    check_proportion(target, "target")
    x = as_float_array(numerator, "numerator")
    n = as_float_array(denominator, "denominator")
    if len(x) == 1 and len(n) > 1:
        x = np.full(len(n), x[0])
    same_length(numerator=x, denominator=n)
    check_counts(x, n)
    gap = target * n - x if higher_is_better else x - target * n
    needed = np.ceil(np.where(np.isnan(gap) | (n <= 0), 0.0, gap) - _EPS)
    return unwrap(np.maximum(needed, 0).astype("int64"), all_scalar(numerator, denominator))


def network_incentive(
    numerators: Any, denominators: Any, networks: Any, target: float, higher_is_better: bool = True
) -> pd.DataFrame:
    """Per network (sorted by network): practices, numerator, denominator, proportion, target,
    achieved (proportion at or beyond the target in the good direction) and opportunity (patients
    still needed). Practices with no network (None/NaN) are left out."""
    check_proportion(target, "target")
    x = as_float_array(numerators, "numerators")
    n = as_float_array(denominators, "denominators")
    same_length(numerators=x, denominators=n)
    check_counts(x, n)
    groups = pd.Series(list(networks) if not isinstance(networks, pd.Series) else networks.to_list())
    if len(groups) != len(x):
        raise ValueError(f"inputs differ in length: networks has {len(groups)}, numerators has {len(x)}")
    frame = pd.DataFrame({"network": groups, "numerator": np.nan_to_num(x), "denominator": np.nan_to_num(n)})
    frame = frame[frame["network"].notna()]
    summary = (
        frame.groupby("network", sort=True)
        .agg(
            practices=("numerator", "size"),
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
        )
        .reset_index()
    )
    den = summary["denominator"].to_numpy(dtype="float64")
    num = summary["numerator"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        proportion = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    summary["proportion"] = proportion
    summary["target"] = float(target)
    good = proportion >= target - _EPS if higher_is_better else proportion <= target + _EPS
    summary["achieved"] = (den > 0) & good
    summary["opportunity"] = np.asarray(opportunity(num, den, target, higher_is_better), dtype="int64")
    return summary
