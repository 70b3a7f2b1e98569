"""Spec: look-back windows (within, since, ever) and event counts."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "windows"

ONE = """
    patient_id | date_of_birth
    1 | 1950-01-01
    2 | 1950-01-01
    3 | 1950-01-01
    4 | 1950-01-01
"""

CASES = [
    Case(
        CH,
        "within-12-months-edges",
        "`within: 12 months` on d counts events with d - 12 months < date <= d: on 31 March 2024 "
        "an event on 31 March 2023 is too old, 1 April 2023 counts, the day itself counts, and "
        "events after d never count.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-03-31 | @asthma-review
                2 | 2023-04-01 | @asthma-review
                3 | 2024-03-31 | @asthma-review
                4 | 2024-04-01 | @asthma-review
            """,
        },
        "all:\n  - event: {codelist: asthma-review, within: 12 months}",
        {"2024-03-31": [2, 3], "2024-04-01": [3, 4]},
    ),
    Case(
        CH,
        "within-months-clipped",
        "Months are calendar months; d - 1 month keeps the day of the month, clipped to the end of "
        "a shorter month (31 March - 1 month = 28 February 2023; 28 February - 1 month = 28 January).",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-02-28 | @copd-review
                2 | 2023-03-01 | @copd-review
                3 | 2023-01-31 | @copd-review
                4 | 2023-01-28 | @copd-review
            """,
        },
        "all:\n  - event: {codelist: copd-review, within: 1 month}",
        {"2023-03-31": [2], "2023-02-28": [1, 3]},
    ),
    Case(
        CH,
        "within-days-and-weeks",
        "`within: 1 week` is 7 days: on d an event on d - 7 days is too old, d - 6 counts.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-03-24 | @copd-review
                2 | 2024-03-25 | @copd-review
            """,
        },
        "all:\n  - event: {codelist: copd-review, within: 1 week}",
        {"2024-03-31": [2]},
    ),
    Case(
        CH,
        "since-season-start",
        "`since: {month: 9, day: 1}` counts events on or after the latest 1 September on or before "
        "d (the flu season). On 1 September itself the new season has begun.",
        {
            "patients": ONE,
            "vaccinations": """
                patient_id | date | code
                1 | 2023-08-31 | @flu-vaccination
                2 | 2023-09-01 | @flu-vaccination
                3 | 2024-08-31 | @flu-vaccination
                4 | 2024-09-01 | @flu-vaccination
            """,
        },
        "all:\n  - vaccination: {codelist: flu-vaccination, since: {month: 9, day: 1}}",
        {"2024-01-31": [2], "2024-08-31": [2, 3], "2024-09-01": [4]},
    ),
    Case(
        CH,
        "ever",
        "`ever` (or no window) counts any event on or before d.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 1990-05-01 | @pulse-rhythm-check
                2 | 2024-04-01 | @pulse-rhythm-check
            """,
        },
        "all:\n  - event: {codelist: pulse-rhythm-check, ever: true}",
        {"2024-03-31": [1], "2024-04-01": [1, 2]},
    ),
    Case(
        CH,
        "min-count-distinct-days",
        "`min_count: 2` needs events on at least two different days in the window; two records on "
        "the same day count once.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-10 | @asthma-review
                1 | 2024-01-10 | @asthma-review#2
                2 | 2024-01-10 | @asthma-review
                2 | 2024-02-10 | @asthma-review
                3 | 2023-02-11 | @asthma-review
                3 | 2024-02-10 | @asthma-review
            """,
        },
        "all:\n  - event: {codelist: asthma-review, within: 12 months, min_count: 2}",
        {"2024-03-31": [2], "2024-02-09": [], "2024-02-10": [2, 3], "2024-02-11": [2]},
    ),
    Case(
        CH,
        "min-days-apart",
        "`min_days_apart: 7` (with `min_count: 2`) needs two events in the window at least 7 days "
        "apart, as QOF's invitation exceptions (\"two invitations, made at least 7 days "
        'apart"): 6 days apart is not enough; an earlier third invitation can make the pair. '
        "The pair counts from the later event until the earlier one leaves the window.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-02-01 | @hypertension-invite
                1 | 2024-02-07 | @hypertension-invite
                2 | 2024-02-01 | @hypertension-invite
                2 | 2024-02-08 | @hypertension-invite
                3 | 2023-04-01 | @hypertension-invite
                3 | 2024-02-01 | @hypertension-invite
                3 | 2024-02-03 | @hypertension-invite
            """,
        },
        "all:\n  - event: {codelist: hypertension-invite, within: 12 months, min_count: 2, min_days_apart: 7}",
        {"2024-02-07": [3], "2024-02-08": [2, 3], "2024-03-31": [2, 3], "2024-04-01": [2]},
    ),
    Case(
        CH,
        "min-days-apart-three",
        "With `min_count: 3` each event must be at least `min_days_apart` after the one before "
        "it: 1, 8 and 15 March make three; 1, 8 and 14 March do not.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-03-01 | @hypertension-invite
                1 | 2024-03-08 | @hypertension-invite
                1 | 2024-03-15 | @hypertension-invite
                2 | 2024-03-01 | @hypertension-invite
                2 | 2024-03-08 | @hypertension-invite
                2 | 2024-03-14 | @hypertension-invite
            """,
        },
        "all:\n  - event: {codelist: hypertension-invite, within: 12 months, min_count: 3, min_days_apart: 7}",
        {"2024-03-14": [], "2024-03-15": [1], "2024-03-31": [1]},
    ),
    Case(
        CH,
        "first-event",
        "`first: true` counts only the patient's earliest event from the codelist: "
        "`event: {codelist: hypertension, first: true, within: 9 months}` is QOF's \"earliest "
        'diagnosis in the 9 months leading up to and including the achievement date". A later '
        "diagnosis code does not make an old diagnosis new.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-07-01 | @hypertension
                2 | 2023-06-30 | @hypertension
                3 | 2019-01-01 | @hypertension
                3 | 2024-01-01 | @hypertension
            """,
        },
        "all:\n  - event: {codelist: hypertension, first: true, within: 9 months}",
        {"2024-03-31": [1], "2024-04-01": []},
    ),
    Case(
        CH,
        "several-codelists",
        "A criterion may name several codelists; an event from any of them counts.",
        {
            "patients": ONE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-10 | @smoking-current
                2 | 2024-01-10 | @smoking-never
                3 | 2024-01-10 | @hba1c
            """,
        },
        "all:\n  - event: {codelist: [smoking-current, smoking-ex, smoking-never], within: 12 months}",
        {"2024-03-31": [1, 2]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
