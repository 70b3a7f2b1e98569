"""The look-back windows and ages in plain Python, for single dates (worklists, docs, checks).

The compiler expresses the same rules as interval ends (gpqi.indicators.intervals.reach);
these functions state them directly for one reporting date d:

- `within: P`  counts an event on day e when  d - P < e <= d,
- `since: {month, day}`  when  anchor(d) <= e <= d, anchor(d) = latest such day on or before d,
- `since: {event}` / `since: {pregnancy}`  when  anchor <= e <= d for the patient's anchor
  (the latest anchor event; the qualifying pregnancy's LMP, with e before the end of week 42),
- `ever`  when  e <= d,
- age on d in whole years: birthdays not yet reached this year are not counted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from pydantic import BaseModel

from gpqi.indicators.model import MAX_GESTATION_WEEKS, AgeSpec, Period, SinceDate, SincePregnancy


def minus_period(day: dt.date, period: Period) -> dt.date:
    """`day` moved back by `period`; months and years clip to the end of a shorter month."""
    if period.days is not None:
        return day - dt.timedelta(days=period.days)
    months = day.year * 12 + (day.month - 1) - period.months
    year, month = divmod(months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def anchor_on_or_before(day: dt.date, since: SinceDate) -> dt.date:
    this_year = dt.date(day.year, since.month, since.day)
    return this_year if this_year <= day else dt.date(day.year - 1, since.month, since.day)


def anchor_on_or_after(day: dt.date, anchor: SinceDate) -> dt.date:
    """The first given day of the year on or after `day` (`age: {on_next: ...}`)."""
    this_year = dt.date(day.year, anchor.month, anchor.day)
    return this_year if this_year >= day else dt.date(day.year + 1, anchor.month, anchor.day)


def in_window(
    event: dt.date, day: dt.date, window: Period | SinceDate | None, anchor: dt.date | None = None
) -> bool:
    """Does an event on `event` count on reporting date `day`? For since-event windows pass the
    patient's latest anchor event on or before `day` as `anchor`, for pregnancy windows the
    qualifying pregnancy's LMP (None: nothing counts)."""
    if event > day:
        return False
    if window is None:
        return True
    if isinstance(window, Period):
        return event > minus_period(day, window)
    if isinstance(window, SinceDate):
        return event >= anchor_on_or_before(day, window)
    if isinstance(window, SincePregnancy):
        end = anchor + dt.timedelta(weeks=MAX_GESTATION_WEEKS + 1) if anchor is not None else None
        return anchor is not None and end is not None and anchor <= event < end
    return anchor is not None and event >= anchor


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on `day` (someone born on 29 February is a year older on 1 March
    in common years)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def season_start(definition: Any) -> tuple[int, int] | None:
    """(month, day) of the first `since: {month, day}` window anywhere in an indicator's
    definition: its figures restart every year on that day (a flu season, a financial year),
    so a series of them is seasonal. None when the definition has no such window."""
    if isinstance(definition, SinceDate):
        return (definition.month, definition.day)
    if isinstance(definition, AgeSpec):
        return None  # `on_next` is the day age is taken on, not a window
    if isinstance(definition, BaseModel):
        children: Any = [getattr(definition, name) for name in type(definition).model_fields]
    elif isinstance(definition, list | tuple):
        children = definition
    elif isinstance(definition, dict):
        children = list(definition.values())
    else:
        return None
    for child in children:
        found = season_start(child)
        if found is not None:
            return found
    return None
