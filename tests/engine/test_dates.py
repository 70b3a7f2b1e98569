"""Reporting-date specs."""

from __future__ import annotations

import datetime as dt

import pytest

from gpqi.engine.dates import DatesError, parse_dates


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
