"""The window rules for one date (gpqi.indicators.windows), and reading an indicator's season from
its definition."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from gpqi.indicators import load_library
from gpqi.indicators.model import MAX_GESTATION_WEEKS, AgeSpec, Period, SinceDate, SinceEvent, SincePregnancy
from gpqi.indicators.windows import (
    age_on,
    anchor_on_or_after,
    anchor_on_or_before,
    in_window,
    minus_period,
    season_start,
)


def test_season_start_is_read_from_the_definition():
    library = {ind.id: ind for ind in load_library()}
    assert season_start(library["flu-65"]) == (9, 1)
    assert season_start(library["dm-bp"]) is None
    assert season_start(library["dna-all"]) is None


# The window rules for one date, against independent statements of them: dateutil's
# relativedelta for calendar months and years (it clips to the end of a shorter month, as the
# language does), a day-by-day walk back for the anchors, birthdays counted one by one for age.
# Each is checked on the edge, a day inside and a day outside.

DAYS = [
    dt.date(2023, 2, 28),
    dt.date(2023, 3, 1),
    dt.date(2023, 3, 31),
    dt.date(2023, 8, 31),
    dt.date(2023, 9, 1),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2024, 3, 31),
    dt.date(2024, 12, 31),
    dt.date(2025, 1, 1),
]
PERIODS = [
    Period(1, "day"),
    Period(1, "week"),
    Period(2, "week"),
    Period(1, "month"),
    Period(3, "month"),
    Period(12, "month"),
    Period(1, "year"),
    Period(5, "year"),
    Period(15, "month"),
]
ONE = dt.timedelta(days=1)


def _back(day: dt.date, period: Period) -> dt.date:
    if period.unit == "day":
        return day - relativedelta(days=period.n)
    if period.unit == "week":
        return day - relativedelta(weeks=period.n)
    if period.unit == "month":
        return day - relativedelta(months=period.n)
    return day - relativedelta(years=period.n)


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_a_period_back_and_its_edges(day, period):
    edge = _back(day, period)
    assert minus_period(day, period) == edge
    assert not in_window(edge, day, period)  # d - P is outside: d - P < e
    assert in_window(edge + ONE, day, period)
    assert in_window(day, day, period)  # e <= d
    assert not in_window(day + ONE, day, period)
    assert in_window(dt.date(1900, 1, 1), day, None) and not in_window(day + ONE, day, None)


def _walk_back(day: dt.date, month: int, dom: int) -> dt.date:
    while (day.month, day.day) != (month, dom):
        day -= ONE
    return day


def _walk_on(day: dt.date, month: int, dom: int) -> dt.date:
    while (day.month, day.day) != (month, dom):
        day += ONE
    return day


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize(("month", "dom"), [(9, 1), (4, 1), (3, 31), (1, 1), (12, 31), (2, 28)])
def test_anchors_of_a_day_of_the_year(day, month, dom):
    since = SinceDate(month=month, day=dom)
    anchor = _walk_back(day, month, dom)
    assert anchor_on_or_before(day, since) == anchor
    assert anchor_on_or_after(day, since) == _walk_on(day, month, dom)
    assert in_window(anchor, day, since) and in_window(day, day, since)
    assert not in_window(anchor - ONE, day, since)
    assert not in_window(day + ONE, day, since)


def test_since_an_event_and_since_a_pregnancy():
    day = dt.date(2024, 3, 31)
    event_window = SinceEvent(event="last-menstrual-period")
    anchor = dt.date(2024, 1, 10)
    assert in_window(anchor, day, event_window, anchor) and not in_window(
        anchor - ONE, day, event_window, anchor
    )
    assert not in_window(day, day, event_window, None)  # no anchor event: nothing counts
    pregnancy = SincePregnancy(pregnancy={"reached_weeks": 32, "within": "3 months"})
    lmp = dt.date(2023, 6, 1)
    end = lmp + dt.timedelta(weeks=MAX_GESTATION_WEEKS + 1)  # the end of week 42
    late = dt.date(2024, 6, 1)  # a reporting date after the pregnancy ended
    assert in_window(lmp, late, pregnancy, lmp) and not in_window(lmp - ONE, late, pregnancy, lmp)
    assert in_window(end - ONE, late, pregnancy, lmp) and not in_window(end, late, pregnancy, lmp)
    assert not in_window(lmp, late, pregnancy, None)


def _birthday(born: dt.date, year: int) -> dt.date:
    """The day someone becomes a year older in `year`: 1 March in a common year for 29 February."""
    try:
        return born.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


@pytest.mark.parametrize(
    "born", [dt.date(1960, 2, 29), dt.date(1980, 3, 1), dt.date(2000, 12, 31), dt.date(2023, 2, 28)]
)
def test_age_in_whole_years(born):
    for day in DAYS:
        if day < born:
            continue
        birthdays = sum(1 for year in range(born.year + 1, day.year + 1) if _birthday(born, year) <= day)
        assert age_on(born, day) == birthdays
        assert (
            age_on(born, _birthday(born, day.year) - ONE) == day.year - born.year - 1 or day.year == born.year
        )


def test_season_start_inside_lists_and_dicts_and_not_from_age():
    since = SinceDate(month=4, day=1)
    assert season_start([None, {"a": since}]) == (4, 1)
    assert season_start((since,)) == (4, 1)
    assert season_start(AgeSpec(min=65, on_next=SinceDate(month=3, day=31))) is None
    assert season_start({"x": 1, "y": [2, "z"]}) is None
