"""Reporting-date specs."""

from __future__ import annotations

import datetime as dt

import pytest

from gpqi.engine.dates import DatesError, first_on_or_after, parse_dates, years_before


def test_monthly_is_month_ends_inclusive():
    days = parse_dates("monthly:2016-04..2026-03")
    assert len(days) == 120
    assert days[0] == dt.date(2016, 4, 30)
    assert days[-1] == dt.date(2026, 3, 31)
    assert dt.date(2024, 2, 29) in days and dt.date(2023, 2, 28) in days


def test_weekly_and_daily_and_lists():
    weekly = parse_dates("weekly:2025-09-01..2026-02-28")
    assert weekly[0] == dt.date(2025, 9, 1) and weekly[-1] <= dt.date(2026, 2, 28)
    assert all((b - a).days == 7 for a, b in zip(weekly, weekly[1:], strict=False))
    assert len(parse_dates("daily:2024-02-27..2024-03-01")) == 4
    assert parse_dates("2025-03-31, 2024-03-31,2024-03-31") == [dt.date(2024, 3, 31), dt.date(2025, 3, 31)]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("monthly:2016-13..2017-01", "not a month"),
        ("monthly:2016-04", "FIRST..LAST"),
        ("weekly:2026-01-10..2026-01-01", "empty"),
        ("2024-02-30", "not a date"),
    ],
)
def test_bad_specs_say_why(spec, message):
    with pytest.raises(DatesError, match=message):
        parse_dates(spec)


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (dt.date(2024, 2, 29), 5, dt.date(2019, 2, 28)),  # leap day -> the month end of a common year
        (dt.date(2023, 2, 28), 1, dt.date(2022, 2, 28)),
        (dt.date(2023, 2, 28), 3, dt.date(2020, 2, 29)),  # a month end stays a month end
        (dt.date(2026, 3, 31), 5, dt.date(2021, 3, 31)),
        (dt.date(2025, 9, 15), 2, dt.date(2023, 9, 15)),
    ],
)
def test_years_before_handles_leap_days_and_month_ends(day, years, expected):
    assert years_before(day, years) == expected


def test_first_on_or_after():
    dates = parse_dates("monthly:2019-01..2024-12")
    assert first_on_or_after(dates, dt.date(2019, 2, 28)) == dt.date(2019, 2, 28)
    assert first_on_or_after(dates, dt.date(2010, 1, 1)) == dates[0]
    assert first_on_or_after(dates, dt.date(2030, 1, 1)) == dates[-1]
    with pytest.raises(ValueError, match="no reporting dates"):
        first_on_or_after([], dt.date(2020, 1, 1))
