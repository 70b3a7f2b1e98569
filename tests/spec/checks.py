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
    for part, expect in (("denominator", case.expect_denominator), ("needs_care", case.expect_needs_care)):
        for day, expected in (expect or {}).items():
            got = members(frame, case, part, dt.date.fromisoformat(day))
            assert got == sorted(expected), (
                f"{case.name}: {part} on {day}: expected {sorted(expected)}, got {got}"
            )
