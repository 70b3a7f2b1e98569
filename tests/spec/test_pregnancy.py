"""Spec: pregnancy from last-menstrual-period (LMP) records."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "pregnancy"

WOMEN = """
    patient_id | date_of_birth | sex
    1 | 1990-01-01 | female
    2 | 1990-01-01 | female
    3 | 1990-01-01 | female
"""

CASES = [
    Case(
        CH,
        "pregnant-gestation-default",
        "`pregnant` holds from the LMP date while gestation, in whole weeks since the latest LMP, "
        "is from 0 to 42: LMP 1 January 2024 counts from that day to 27 October 2024 (42 weeks "
        "6 days) and not on 28 October (43 weeks).",
        {
            "patients": WOMEN,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-01 | @last-menstrual-period
            """,
        },
        "all:\n  - pregnant: {}",
        {"2023-12-31": [], "2024-01-01": [1], "2024-10-27": [1], "2024-10-28": []},
    ),
    Case(
        CH,
        "pregnant-gestation-bounds",
        "`gestation_weeks: {min: 12, max: 20}` holds from 12 weeks 0 days to 20 weeks 6 days.",
        {
            "patients": WOMEN,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-01 | @last-menstrual-period
            """,
        },
        "all:\n  - pregnant: {gestation_weeks: {min: 12, max: 20}}",
        {"2024-03-24": [], "2024-03-25": [1], "2024-05-26": [1], "2024-05-27": []},
    ),
    Case(
        CH,
        "pregnant-newer-lmp-supersedes",
        "Only the latest LMP on or before d counts: a newer one starts a new pregnancy.",
        {
            "patients": WOMEN,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-01 | @last-menstrual-period
                1 | 2024-03-01 | @last-menstrual-period
            """,
        },
        "all:\n  - pregnant: {gestation_weeks: {min: 4, max: 42}}",
        {"2024-02-29": [1], "2024-03-05": [], "2024-03-29": [1]},
    ),
    Case(
        CH,
        "pregnant-reached-weeks",
        "`pregnant: {reached_weeks: 32, within: 3 months}` holds when the pregnancy reached 32 "
        "weeks (LMP + 224 days) in the window d - 3 months < day <= d.",
        {
            "patients": WOMEN,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-08-20 | @last-menstrual-period
                2 | 2023-05-22 | @last-menstrual-period
                3 | 2023-05-21 | @last-menstrual-period
            """,
        },
        "all:\n  - pregnant: {reached_weeks: 32, within: 3 months}",
        {"2024-03-30": [2, 3], "2024-03-31": [1, 2], "2024-04-01": [1]},
    ),
    Case(
        CH,
        "since-latest-lmp",
        "`since: {event: last-menstrual-period}` counts records on or after the patient's latest "
        "LMP on or before d (this pregnancy); a record before it does not.",
        {
            "patients": WOMEN,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-01-01 | @last-menstrual-period
                2 | 2024-01-01 | @last-menstrual-period
                3 | 2024-01-01 | @last-menstrual-period
            """,
            "vaccinations": """
                patient_id | date | code
                1 | 2024-01-01 | @pertussis-vaccination-pregnancy
                2 | 2023-12-31 | @pertussis-vaccination-pregnancy
                3 | 2024-05-01 | @pertussis-vaccination-pregnancy
            """,
        },
        "all:\n  - vaccination: {codelist: pertussis-vaccination-pregnancy, since: {event: last-menstrual-period}}",
        {"2024-04-30": [1], "2024-05-01": [1, 3]},
    ),
    Case(
        CH,
        "since-qualifying-pregnancy",
        "`since: {pregnancy: {reached_weeks: 32, within: 3 months}}` counts records from the LMP "
        "of the pregnancy that reached 32 weeks in the window, to the end of its week 42, and "
        "only while that pregnancy qualifies. A later LMP recorded after the pregnancy reached "
        "32 weeks (e.g. at a postnatal check) does not change it. LMP 20 August 2023 reaches "
        "32 weeks on 31 March 2024 and week 42 ends on 15 June 2024. 1 was vaccinated in "
        "week 23 and has a postnatal LMP; 2 before the LMP; 3 after week 42; 4 in week 28.",
        {
            "patients": """
                patient_id | date_of_birth | sex
                1 | 1990-01-01 | female
                2 | 1990-01-01 | female
                3 | 1990-01-01 | female
                4 | 1990-01-01 | female
            """,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-08-20 | @last-menstrual-period
                1 | 2024-05-15 | @last-menstrual-period
                2 | 2023-08-20 | @last-menstrual-period
                3 | 2023-08-20 | @last-menstrual-period
                4 | 2023-08-20 | @last-menstrual-period
            """,
            "vaccinations": """
                patient_id | date | code
                1 | 2024-02-01 | @pertussis-vaccination-pregnancy
                2 | 2023-08-01 | @pertussis-vaccination-pregnancy
                3 | 2024-06-16 | @pertussis-vaccination-pregnancy
                4 | 2024-03-01 | @pertussis-vaccination-pregnancy
            """,
        },
        "all:\n  - vaccination: {codelist: pertussis-vaccination-pregnancy, "
        "since: {pregnancy: {reached_weeks: 32, within: 3 months}}}",
        {
            "2024-03-30": [],
            "2024-03-31": [1, 4],
            "2024-06-01": [1, 4],
            "2024-06-30": [1, 4],
            "2024-07-01": [],
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
