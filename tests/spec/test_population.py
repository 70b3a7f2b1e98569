"""Spec: who is in the population on a reporting date — registration, deaths, age, sex."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "population"

CASES = [
    Case(
        CH,
        "registered-boundaries",
        "A patient is registered on d when start_date <= d <= end_date (both inclusive); a "
        "missing end_date means still registered.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
                3 | 1980-01-01
                4 | 1980-01-01
                5 | 1980-01-01
            """,
            "registrations": """
                patient_id | start_date | end_date
                1 | 2024-03-31 |
                2 | 2024-04-01 |
                3 | 2020-01-01 | 2024-03-31
                4 | 2020-01-01 | 2024-03-30
                5 | 2020-01-01 |
            """,
        },
        "all:\n  - registered: {}",
        {"2024-03-31": [1, 3, 5], "2024-04-01": [1, 2, 5]},
    ),
    Case(
        CH,
        "registered-for-at-least",
        "`registered: {for_at_least: 3 months}` holds on d when the patient has been registered "
        "at the practice continuously since d - 3 months or earlier (31 March - 3 months = 31 December).",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | start_date
                1 | 2023-12-31
                2 | 2024-01-01
            """,
        },
        "all:\n  - registered: {for_at_least: 3 months}",
        {"2024-03-31": [1], "2024-04-01": [1, 2]},
    ),
    Case(
        CH,
        "registered-continuous-spells",
        "Spells at the same practice that touch (one ends the day before the next starts) are one "
        "continuous registration; a gap of a day starts the clock again.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | start_date | end_date
                1 | 2023-01-01 | 2023-12-31
                1 | 2024-01-01 |
                2 | 2023-01-01 | 2023-12-30
                2 | 2024-01-01 |
            """,
        },
        "all:\n  - registered: {for_at_least: 6 months}",
        {"2024-03-31": [1]},
        expect_denominator={"2024-03-31": [1, 2]},
    ),
    Case(
        CH,
        "registered-latest-registration",
        "`clock: latest_registration` counts from the start date of the most recent registration "
        "at the practice (QOF's REG_DAT), so a re-registration restarts the clock even when the "
        "spells touch; the default `continuous` clock joins them. Patient 1 re-registered on "
        "1 January 2024 the day after leaving.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | start_date | end_date
                1 | 2020-01-01 | 2023-12-31
                1 | 2024-01-01 |
                2 | 2020-01-01 |
            """,
        },
        "all:\n  - registered: {for_at_least: 9 months, clock: latest_registration}",
        {"2024-03-31": [2], "2024-09-30": [2], "2024-10-01": [1, 2]},
    ),
    Case(
        CH,
        "registered-within",
        "`registered: {within: 9 months}` holds while the registration clock started in the "
        "window d - 9 months < start <= d (QOF: registered in the 9 months leading up to and "
        "including the achievement date), the complement of `for_at_least: 9 months`.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
                3 | 1980-01-01
            """,
            "registrations": """
                patient_id | start_date | end_date
                1 | 2023-07-01 |
                2 | 2023-06-30 |
                3 | 2020-01-01 | 2023-12-31
                3 | 2024-01-01 |
            """,
        },
        "all:\n  - registered: {within: 9 months, clock: latest_registration}",
        {"2024-03-31": [1, 3], "2024-04-01": [3], "2024-10-01": []},
    ),
    Case(
        CH,
        "moved-practice-history-counts",
        "Patients count at the practice where they are registered on d, and their events from "
        "earlier practices count (the record moves with the patient); the registration clock "
        "restarts at the new practice.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P2 | 2015-01-01 | 2024-01-15
                1 | P1 | 2024-01-16 |
            """,
            "clinical_events": """
                patient_id | practice_code | date | code
                1 | P2 | 2023-06-01 | @diabetes
            """,
        },
        "all:\n  - on_register: {codelist: diabetes}",
        {"2024-01-15": [1], "2024-01-16": [1]},
    ),
    Case(
        CH,
        "overlapping-registrations-later-wins",
        "If registrations at two practices overlap, the one that started later counts from its "
        "start date; the earlier one ends the day before.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P2 | 2020-01-01 |
                1 | P1 | 2024-02-01 |
            """,
        },
        "all:\n  - registered: {for_at_least: 1 month}",
        {"2024-01-31": [1], "2024-02-01": [], "2024-03-01": [1]},
    ),
    Case(
        CH,
        "registered-back-after-an-overlap",
        "A spell at P2 that overlaps P1 counts from its start; when it ends the patient counts at "
        "P1 again if a spell there covers the day. Patient 1's two P1 spells touch, so the return "
        "continues the registration from 2021; patient 2 left P1 on 31 December 2022, so the "
        "new P1 spell starts the clock again.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P1 | 2021-01-20 | 2023-01-19
                1 | P2 | 2022-01-20 | 2023-01-19
                1 | P1 | 2023-01-20 |
                2 | P1 | 2021-01-20 | 2022-12-31
                2 | P2 | 2022-01-20 | 2023-01-19
                2 | P1 | 2023-01-20 |
            """,
        },
        "all:\n  - registered: {for_at_least: 1 year}",
        {"2022-06-30": [], "2023-01-19": [], "2023-01-20": [1], "2024-01-20": [1, 2]},
        expect_denominator={
            "2022-06-30": [1, 2],
            "2023-01-19": [1, 2],
            "2023-01-20": [1, 2],
            "2024-01-20": [1, 2],
        },
    ),
    Case(
        CH,
        "registered-short-spell-inside-a-long-one",
        "A short spell at P2 inside a long one at P1 counts while it lasts; from the day after it "
        "ends the patient counts at P1 again, registered there continuously since 2015. Patient "
        "2's P1 spell ends on 31 December 2023.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P1 | 2015-01-01 |
                1 | P2 | 2023-03-01 | 2023-05-31
                2 | P1 | 2015-01-01 | 2023-12-31
                2 | P2 | 2023-03-01 | 2023-05-31
            """,
        },
        "all:\n  - registered: {for_at_least: 3 months}",
        {"2023-02-28": [1, 2], "2023-03-01": [], "2023-05-31": [], "2023-06-01": [1, 2], "2024-01-01": [1]},
        expect_denominator={
            "2023-02-28": [1, 2],
            "2023-03-01": [1, 2],
            "2023-05-31": [1, 2],
            "2023-06-01": [1, 2],
            "2024-01-01": [1],
        },
    ),
    Case(
        CH,
        "registered-touching-spells-around-a-move",
        "Spells at the same practice that touch are one continuous registration even while a spell "
        "elsewhere overlaps them (patient 1); with a day's gap between them (patient 2) the "
        "patient is registered nowhere on that day and the clock starts again.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P1 | 2020-01-01 | 2023-12-31
                1 | P1 | 2024-01-01 |
                1 | P2 | 2023-06-01 | 2023-08-31
                2 | P1 | 2020-01-01 | 2023-12-30
                2 | P1 | 2024-01-01 |
                2 | P2 | 2023-06-01 | 2023-08-31
            """,
        },
        "all:\n  - registered: {for_at_least: 6 months}",
        {"2023-09-01": [1, 2], "2023-12-31": [1], "2024-01-01": [1], "2024-07-01": [1, 2]},
        expect_denominator={
            "2023-09-01": [1, 2],
            "2023-12-31": [1],
            "2023-01-01": [1, 2],
            "2024-01-01": [1, 2],
            "2024-07-01": [1, 2],
        },
    ),
    Case(
        CH,
        "registered-elsewhere-a-day-either-side",
        "The boundaries of a spell elsewhere are inclusive: patient 1 counts at P2 on the one day "
        "of its spell there and at P1, registered since 2020, the day before and the day after; "
        "patient 2's P2 spell ends on 30 March, so on 31 March it counts at P1 again.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1980-01-01
                2 | 1980-01-01
            """,
            "registrations": """
                patient_id | practice_code | start_date | end_date
                1 | P1 | 2020-01-01 |
                1 | P2 | 2024-03-31 | 2024-03-31
                2 | P1 | 2020-01-01 |
                2 | P2 | 2024-03-01 | 2024-03-30
            """,
        },
        "all:\n  - registered: {for_at_least: 1 month}",
        {"2024-03-30": [1], "2024-03-31": [2], "2024-04-01": [1, 2]},
        expect_denominator={"2024-03-30": [1, 2], "2024-03-31": [1, 2], "2024-04-01": [1, 2]},
    ),
    Case(
        CH,
        "death-on-the-reporting-date",
        "A patient who died on d is not counted on d; one who dies the day after still is.",
        {
            "patients": """
                patient_id | date_of_birth | date_of_death
                1 | 1940-01-01 | 2024-03-31
                2 | 1940-01-01 | 2024-04-01
                3 | 1940-01-01 |
            """,
        },
        "all:\n  - registered: {}",
        {"2024-03-30": [1, 2, 3], "2024-03-31": [2, 3], "2024-04-01": [3]},
    ),
    Case(
        CH,
        "age-birthday-boundary",
        "Age is in whole years on d: someone turns 65 on their 65th birthday.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1959-03-31
                2 | 1959-04-01
            """,
        },
        "all:\n  - age: {min: 65}",
        {"2024-03-31": [1], "2024-04-01": [1, 2]},
    ),
    Case(
        CH,
        "age-max-inclusive",
        "`age: {max: 79}` includes people aged 79 and stops on their 80th birthday.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1944-03-31
                2 | 1944-04-01
            """,
        },
        "all:\n  - age: {max: 79}",
        {"2024-03-31": [2], "2024-03-30": [1, 2]},
    ),
    Case(
        CH,
        "age-29-february",
        "Someone born on 29 February turns a year older on 1 March in common years (and on "
        "29 February in leap years).",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 2004-02-29
                2 | 2006-02-28
            """,
        },
        "all:\n  - age: {min: 18}",
        {"2022-02-28": [], "2022-03-01": [1], "2024-02-28": [1, 2], "2024-02-29": [1, 2]},
    ),
    Case(
        CH,
        "age-29-february-leap",
        "In a leap year the birthday of someone born on 29 February is 29 February.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 2008-03-01
                2 | 2008-02-29
            """,
        },
        "all:\n  - age: {min: 16}",
        {"2024-02-28": [], "2024-02-29": [2]},
    ),
    Case(
        CH,
        "age-on-next-31-march",
        "`age: {min: 65, on_next: {month: 3, day: 31}}` uses age on the first 31 March on or "
        "after d (the end of the flu season or financial year): someone turning 65 on 31 March "
        "2025 counts from 1 April 2024; someone turning 65 on 1 April 2025 only from 1 April "
        "2025. On 31 March itself that day is used.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1960-03-31
                2 | 1960-04-01
            """,
        },
        "all:\n  - age: {min: 65, on_next: {month: 3, day: 31}}",
        {"2024-03-31": [], "2024-04-01": [1], "2025-03-31": [1], "2025-04-01": [1, 2]},
    ),
    Case(
        CH,
        "age-on-next-max",
        "With `max`, the upper end moves the same way: `age: {max: 64, on_next: {month: 3, "
        "day: 31}}` stops from the 1 April before the 65th birthday's 31 March.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1960-03-31
                2 | 1960-04-01
            """,
        },
        "all:\n  - age: {min: 18, max: 64, on_next: {month: 3, day: 31}}",
        {"2024-03-31": [1, 2], "2024-04-01": [2], "2025-04-01": []},
    ),
    Case(
        CH,
        "sex",
        "`sex: female` matches the sex recorded on the patient.",
        {
            "patients": """
                patient_id | date_of_birth | sex
                1 | 1980-01-01 | female
                2 | 1980-01-01 | male
                3 | 1980-01-01 | unknown
            """,
        },
        "all:\n  - sex: female",
        {"2024-01-01": [1]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
