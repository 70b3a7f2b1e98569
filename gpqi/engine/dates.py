"""Reporting dates: parse a dates spec into a sorted list of days.

monthly:2016-04..2026-03          the last day of each month, April 2016 to March 2026
weekly:2025-09-01..2026-02-28     every 7 days from the first date while on or before the last
daily:2026-01-01..2026-01-31      every day
2024-03-31,2025-03-31             an explicit list

Calendar arithmetic on reporting dates lives here too (`years_before`, `first_on_or_after`), so
29 February and month ends are handled once.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable


class DatesError(ValueError):
    """A dates spec cannot be read."""


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier; 29 February becomes 28 February in a common year, and a
    month end stays a month end (29 Feb 2024 -> 28 Feb 2019, 28 Feb 2023 -> 28 Feb 2018)."""
    year = day.year - years
    last = calendar.monthrange(year, day.month)[1]
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return dt.date(year, day.month, last)
    return dt.date(year, day.month, min(day.day, last))


def first_on_or_after(dates: list[dt.date], day: dt.date) -> dt.date:
    """The first of the sorted `dates` on or after `day` (the first date when `day` is earlier
    than all of them; the last when later)."""
    if not dates:
        raise ValueError("no reporting dates")
    return next((d for d in dates if d >= day), dates[-1])


def _day(text: str, spec: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DatesError(f"dates {spec!r}: {text.strip()!r} is not a date (YYYY-MM-DD)") from None


def _month(text: str, spec: str) -> tuple[int, int]:
    try:
        year, month = text.strip().split("-")[:2]
        value = (int(year), int(month))
    except ValueError:
        raise DatesError(f"dates {spec!r}: {text.strip()!r} is not a month (YYYY-MM)") from None
    if not 1 <= value[1] <= 12:
        raise DatesError(f"dates {spec!r}: {text.strip()!r} is not a month (YYYY-MM)")
    return value


def parse_dates(spec: str | Iterable[dt.date | str]) -> list[dt.date]:
    """The reporting dates named by `spec`, sorted and without repeats."""
    if not isinstance(spec, str):
        days = {d if isinstance(d, dt.date) else _day(d, str(d)) for d in spec}
        if not days:
            raise DatesError("no reporting dates given")
        return sorted(days)
    text = spec.strip()
    kind, _, rest = text.partition(":")
    if kind in ("monthly", "weekly", "daily"):
        first, sep, last = rest.partition("..")
        if not sep:
            raise DatesError(f"dates {spec!r}: write {kind}:FIRST..LAST")
        if kind == "monthly":
            (y0, m0), (y1, m1) = _month(first, spec), _month(last, spec)
            out = []
            y, m = y0, m0
            while (y, m) <= (y1, m1):
                out.append(month_end(y, m))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        else:
            start, end = _day(first, spec), _day(last, spec)
            step = dt.timedelta(days=7 if kind == "weekly" else 1)
            out = []
            day = start
            while day <= end:
                out.append(day)
                day += step
        if not out:
            raise DatesError(f"dates {spec!r}: the range is empty (first after last)")
        return out
    return parse_dates([part for part in text.split(",") if part.strip()])
