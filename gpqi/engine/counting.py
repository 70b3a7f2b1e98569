"""Counting intervals on the reporting-date grid: how one run covers every date cheaply.

An interval [start, end) covers the reporting dates g_i with start <= g_i < end, which are
the indices lo(start) .. lo(end) - 1, where lo(x) is the number of reporting dates before x.
Each interval therefore adds +1 at lo(start) and -1 at lo(end); a running sum over the
indices gives the count on every date. lo() is read from a small calendar table (one row per
day between the first and last reporting date), so the database work is two equi-joins and a
group-by per population, whatever the number of dates; the running sum happens in pandas on
practices x dates rows.
"""

from __future__ import annotations

import bisect
import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from gpqi.indicators.intervals import lit, reach, stack
from gpqi.indicators.model import Period

PRACTICE = "practice_code"


def calendar_table(dates: list[dt.date]) -> pa.Table:
    """day -> lo(day) for every day from the first reporting date to the day after the last."""
    days = []
    lows = []
    day = dates[0]
    stop = dates[-1] + dt.timedelta(days=1)
    while day <= stop:
        days.append(day)
        lows.append(bisect.bisect_left(dates, day))
        day += dt.timedelta(days=1)
    return pa.table({"day": pa.array(days, pa.date32()), "lo": pa.array(lows, pa.int32())})


def interval_deltas(intervals: ir.Table, calendar: ir.Table, dates: list[dt.date], part: str) -> ir.Table:
    """+n / -n steps per practice and date index for intervals (practice_code, start, end[, n])."""
    first, stop = lit(dates[0]), lit(dates[-1] + dt.timedelta(days=1))
    weight = intervals.n if "n" in intervals.columns else ibis.literal(1, type="int64")
    inside = intervals.filter((intervals.end > first) & (intervals.start < stop))
    clamped = inside.select(
        PRACTICE,
        _s=ibis.least(ibis.greatest(inside.start, first), stop),
        _e=ibis.least(ibis.greatest(inside.end, first), stop),
        _n=weight.cast("int64") if "n" in intervals.columns else ibis.literal(1, type="int64"),
    )
    cal_s = calendar.select(_ds=calendar.day, _lo_s=calendar.lo)
    cal_e = calendar.select(_de=calendar.day, _lo_e=calendar.lo)
    joined = clamped.join(cal_s, clamped._s == cal_s._ds).join(cal_e, clamped._e == cal_e._de)
    joined = joined.filter(joined._lo_s < joined._lo_e)
    ups = joined.select(PRACTICE, idx=joined._lo_s, delta=joined._n)
    downs = joined.select(PRACTICE, idx=joined._lo_e, delta=-joined._n)
    steps = stack([ups, downs])
    summed = steps.group_by([PRACTICE, "idx"]).agg(delta=steps.delta.sum())
    return summed.mutate(part=ibis.literal(part))


def appointment_intervals(per_day: ir.Table, period: Period) -> ir.Table:
    """Appointments on `day` count on reporting dates d with d - period < day <= d."""
    return per_day.select(PRACTICE, "n", start=per_day.day, end=reach(per_day.day, period))


def running_counts(
    deltas: pd.DataFrame, practices: list[str], parts: list[str], n_dates: int
) -> pd.DataFrame:
    """Turn steps (practice_code, idx, delta, part) into counts: practice_code, idx, <part>..."""
    index = pd.MultiIndex.from_product([practices, range(n_dates + 1)], names=[PRACTICE, "idx"])
    out = pd.DataFrame(index=index)
    for part in parts:
        chosen = deltas[deltas["part"] == part]
        series = chosen.groupby([PRACTICE, "idx"])["delta"].sum()
        series = series.reindex(index, fill_value=0)
        out[part] = series.groupby(level=PRACTICE).cumsum().astype(np.int64)
    out = out.reset_index()
    return out[out["idx"] < n_dates]
