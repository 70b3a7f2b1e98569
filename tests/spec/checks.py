"""The one assertion every spec test makes: expected members on every date, on a backend."""

from __future__ import annotations

import datetime as dt

from tests.spec.framework import Case, members


def check(case: Case, frame) -> None:
    for day, expected in case.expect.items():
        got = members(frame, case, "numerator", dt.date.fromisoformat(day))
        assert got == sorted(expected), (
            f"{case.name}: numerator on {day}: expected {sorted(expected)}, got {got}"
        )
    for day, expected in (case.expect_denominator or {}).items():
        got = members(frame, case, "denominator", dt.date.fromisoformat(day))
        assert got == sorted(expected), (
            f"{case.name}: denominator on {day}: expected {sorted(expected)}, got {got}"
        )
