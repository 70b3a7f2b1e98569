"""gpqi.access.pack: the one-sentence reading of an SPC chart, on a worked series, and the month
lookup's errors."""

from __future__ import annotations

import datetime as dt

import pytest

from gpqi.access import figures
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.pack import month_date, reading


def _meta(target: float | None) -> IndicatorMeta:
    return IndicatorMeta("x", "X", "d", "clinical", "patient", True, target, "", "", "")


def _month_ends(n: int) -> list[dt.date]:
    out, day = [], dt.date(2023, 1, 31)
    for _ in range(n):
        out.append(day)
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        day = (nxt + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return out


def test_reading_names_the_start_of_special_cause_and_the_assurance():
    dates = _month_ends(28)
    # 20 months at exactly 50 of 100, then 8 at 80 of 100: a step up beyond the upper limit
    num = [50] * 20 + [80] * 8
    den = [100] * 28
    series = figures.spc_of(num, den, dates, _meta(0.6))
    assert series.result.variation == "special_cause_improvement"
    text = reading(series, _meta(0.6))
    assert text.startswith(f"Special-cause improvement since {dates[20]:%B %Y}"), text
    assert text.endswith(
        {
            "inconsistent": "the target is not yet consistently met.",
            "consistent_pass": "the target is consistently met.",
            "consistent_fail": "the target is consistently missed: the process must change to meet it.",
        }[series.result.assurance]
    )
    flat = figures.spc_of([50, 52, 49, 51, 50, 48, 51, 50, 52, 49], [100] * 10, dates[:10], _meta(None))
    assert reading(flat, _meta(None)) == "Common-cause variation only; the indicator has no target."


class _Store:
    def dates(self) -> list[dt.date]:
        return [dt.date(2025, 1, 31), dt.date(2025, 2, 28)]


def test_month_date_errors():
    assert month_date(_Store(), "2025-02") == dt.date(2025, 2, 28)
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        month_date(_Store(), "Feb 2025")
    with pytest.raises(ValueError, match="results cover 2025-01 to 2025-02"):
        month_date(_Store(), "2025-03")
