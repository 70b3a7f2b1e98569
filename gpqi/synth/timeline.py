"""Dates as int32 day numbers since 1970-01-01 (what Arrow's date32 stores), and calendar helpers."""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)
NEVER = np.int32(2**31 - 1)  # "no date": never happens (open registration, alive, never diagnosed)
YEAR = 365.25


def to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    return dt.date(d.year + y, m + 1, 1)


def quarter_starts(first: int, last: int) -> np.ndarray:
    """Day numbers of calendar-quarter starts covering [first, last], plus the day after `last`."""
    d = from_day(first)
    q = dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    out = [first]
    while True:
        q = add_months(q, 3)
        day = to_day(q)
        if day > last:
            break
        out.append(day)
    out.append(last + 1)
    return np.array(out, dtype=np.int64)


def years_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Exact age in years (float) from day a to day b."""
    return (np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)) / YEAR


def whole_years(dob: np.ndarray, day: np.ndarray | int) -> np.ndarray:
    """Age in completed years on `day` (calendar-exact, as an engine would compute it)."""
    dob = np.asarray(dob).astype("datetime64[D]")
    day = np.broadcast_to(np.asarray(day), dob.shape).astype("datetime64[D]")
    y0 = dob.astype("datetime64[Y]").astype(np.int64)
    y1 = day.astype("datetime64[Y]").astype(np.int64)
    m0 = dob.astype("datetime64[M]").astype(np.int64) % 12
    m1 = day.astype("datetime64[M]").astype(np.int64) % 12
    d0 = (dob - dob.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    d1 = (day - day.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    before = (m1 * 32 + d1) < (m0 * 32 + d0)
    return y1 - y0 - before.astype(np.int64)
