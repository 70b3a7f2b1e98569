"""Change alerts on a practice's percentile series: the CUSUM rule OpenPrescribing uses for its
monthly alerts (docs/statistics.md; their `CUSUM` class in frontend/bookmark_utils, after
Montgomery, Introduction to Statistical Quality Control).

Each point is compared with a reference mean. Two running sums collect how far points sit above
(mean + k) and below (mean - k), with slack k = half an SD, never crossing zero. A sum beyond
the threshold h = `sensitivity` x SD is an alert ("up" or "down"). Mean and SD start from the
first `window` points; after an alert, the reference mean moves to the mean of the `window`
points before the current one, and the sums keep accumulating while they keep moving the same way
beyond the threshold, otherwise the threshold is recalculated from that window and the sums
start again. SDs are population SDs (NumPy's default); the sums are rounded to two decimal
places as OpenPrescribing does (on a 0-100 percentile scale, a hundredth of a centile).

Leading missing values are skipped until a window holds a value; a missing value later on
gets no alert and restarts the sums from zero (as a missing month does in OpenPrescribing).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from gpqi.stats._inputs import as_float_array, frame, index_of, labels


def _nanmean(window: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing window is NaN, not an error
        return float(np.nanmean(window)) if len(window) else float("nan")


def _nanstd(window: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanstd(window)) if len(window) else float("nan")


def _step(
    value: float, mean: float, threshold: float, sensitivity: float, pos: float, neg: float
) -> tuple[float, float]:
    slack = 0.5 * threshold / sensitivity  # half an SD
    up = value - (mean + slack) + pos
    down = value - (mean - slack) + neg
    up = 0.0 if np.isnan(up) else round(max(0.0, up), 2)
    down = 0.0 if np.isnan(down) else round(min(0.0, down), 2)
    return up, down


def cusum_alerts(series: Any, window: int = 12, sensitivity: float = 5) -> pd.DataFrame:
    """Per point: value, target_mean, threshold, cusum_pos, cusum_neg and alert ("up", "down" or
    None). Input order is time order; a pandas Series keeps its index."""
    if int(window) != window or window < 2:
        raise ValueError("window: must be a whole number of at least 2")
    if not np.isfinite(sensitivity) or sensitivity <= 0:
        raise ValueError("sensitivity: must be a positive number")
    window = int(window)
    data = as_float_array(series, "series")
    count = len(data)
    means, thresholds = np.full(count, np.nan), np.full(count, np.nan)
    pos, neg = np.zeros(count), np.zeros(count)
    alerts = np.full(count, None, dtype=object)

    start = 0
    while start < count and np.isnan(data[start : start + window]).all():
        start += 1
    for i in range(start, count):
        value = data[i]
        if i == start:
            ahead = data[i : i + window]
            means[i], thresholds[i] = _nanmean(ahead), _nanstd(ahead * sensitivity)
            pos[i], neg[i] = _step(value, means[i], thresholds[i], sensitivity, 0.0, 0.0)
        elif alerts[i - 1] is None:
            means[i], thresholds[i] = means[i - 1], thresholds[i - 1]
            pos[i], neg[i] = _step(value, means[i], thresholds[i], sensitivity, pos[i - 1], neg[i - 1])
        else:
            before = data[max(0, i - window) : i]
            means[i] = _nanmean(before)
            up, down = _step(value, means[i], thresholds[i - 1], sensitivity, pos[i - 1], neg[i - 1])
            going_on = (up > pos[i - 1] and pos[i - 1] > thresholds[i - 1]) or (
                down < neg[i - 1] and neg[i - 1] < -thresholds[i - 1]
            )
            if going_on:
                thresholds[i], pos[i], neg[i] = thresholds[i - 1], up, down
            else:
                thresholds[i] = _nanstd(before * sensitivity)
                pos[i], neg[i] = _step(value, means[i], thresholds[i], sensitivity, 0.0, 0.0)
        if np.isnan(value):
            continue
        if pos[i] > thresholds[i]:
            alerts[i] = "up"
        elif neg[i] < -thresholds[i]:
            alerts[i] = "down"
    return frame(
        {
            "value": data,
            "target_mean": means,
            "threshold": thresholds,
            "cusum_pos": pos,
            "cusum_neg": neg,
            "alert": labels(alerts),
        },
        index_of(series),
    )


def last_alert(result: pd.DataFrame) -> dict[str, Any] | None:
    """The latest run of consecutive alerts in one direction, as OpenPrescribing reports it:
    direction, first and last position of the run, value before it started ("from"), value at its
    end ("to") and its length in points. None without alerts."""
    alert = result["alert"].to_numpy()
    flagged = np.flatnonzero(alert != None)  # noqa: E711 (object array of None / str)
    if len(flagged) == 0:
        return None
    end = int(flagged[-1])
    direction = alert[end]
    begin = end
    while begin > 0 and alert[begin - 1] == direction:
        begin -= 1
    values = result["value"].to_numpy()
    return {
        "direction": direction,
        "start": begin,
        "end": end,
        "from": float(values[begin - 1]) if begin > 0 else float("nan"),
        "to": float(values[end]),
        "period": end - begin + 1,
    }
