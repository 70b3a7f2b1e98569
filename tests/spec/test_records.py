"""Spec: latest values, registers, medications, vaccinations."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "records"

PEOPLE = """
    patient_id | date_of_birth
    1 | 1950-01-01
    2 | 1950-01-01
    3 | 1950-01-01
    4 | 1950-01-01
    5 | 1950-01-01
"""

CASES = [
    Case(
        CH,
        "latest-value-range-inclusive",
        "`latest_value` tests the value of the most recent reading in the window; min and max are inclusive.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2024-01-10 | @systolic-bp | 140
                2 | 2024-01-10 | @systolic-bp | 140.5
                3 | 2024-01-10 | @systolic-bp | 90
            """,
        },
        "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, min: 100, max: 140}",
        {"2024-03-31": [1]},
    ),
    Case(
        CH,
        "latest-value-latest-wins",
        "Only the most recent reading counts: an earlier reading in range does not help if the "
        "latest is out of range, and the reverse.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2023-10-01 | @hba1c | 50
                1 | 2024-02-01 | @hba1c | 70
                2 | 2023-10-01 | @hba1c | 70
                2 | 2024-02-01 | @hba1c | 50
            """,
        },
        "all:\n  - latest_value: {codelist: hba1c, within: 12 months, max: 58}",
        {"2024-01-31": [1], "2024-03-31": [2]},
    ),
    Case(
        CH,
        "latest-value-same-day-lowest",
        "When several readings share the latest date, the lowest value is used (as QOF does for "
        "blood pressure).",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2024-02-01 | @systolic-bp | 152
                1 | 2024-02-01 | @systolic-bp | 138
                2 | 2024-02-01 | @systolic-bp | 152
                2 | 2024-02-01 | @systolic-bp | 145
            """,
        },
        "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}",
        {"2024-03-31": [1]},
    ),
    Case(
        CH,
        "latest-value-systolic-and-diastolic-each-latest",
        "Systolic and diastolic are separate criteria: each takes its own latest reading. Patient "
        "1's diastolic of 95 was followed by a diastolic-only 85, so both halves are at target; "
        "QOF's pairing would take the diastolic from the systolic's day (95). Patient 2 was at "
        "target until a systolic-only 150 became the latest systolic.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2024-01-10 | @systolic-bp | 130
                1 | 2024-01-10 | @diastolic-bp | 95
                1 | 2024-02-01 | @diastolic-bp | 85
                2 | 2024-01-10 | @systolic-bp | 130
                2 | 2024-01-10 | @diastolic-bp | 85
                2 | 2024-02-01 | @systolic-bp | 150
            """,
        },
        "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}\n"
        "  - latest_value: {codelist: diastolic-bp, within: 12 months, max: 90}",
        {"2024-01-31": [2], "2024-03-31": [1]},
    ),
    Case(
        CH,
        "latest-value-missing-value",
        "A record without a numeric value is not a reading: it is skipped, and the latest reading "
        "with a value is used.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2024-01-01 | @systolic-bp | 130
                1 | 2024-02-01 | @systolic-bp |
                2 | 2024-02-01 | @systolic-bp |
            """,
        },
        "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}",
        {"2024-03-31": [1]},
    ),
    Case(
        CH,
        "latest-value-out-of-window",
        "A latest reading older than the window does not count, however good.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2023-03-31 | @systolic-bp | 120
                2 | 2023-04-01 | @systolic-bp | 120
            """,
        },
        "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}",
        {"2024-03-31": [2]},
    ),
    Case(
        CH,
        "register-resolved",
        "`on_register` holds when the latest diagnosis on or before d is not followed by a "
        "resolved code; a new diagnosis after a resolution puts the patient back on.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @hypertension
                2 | 2020-01-01 | @hypertension
                2 | 2022-01-01 | @hypertension-resolved
                3 | 2020-01-01 | @hypertension
                3 | 2022-01-01 | @hypertension-resolved
                3 | 2023-06-01 | @hypertension
                4 | 2022-01-01 | @hypertension-resolved
                4 | 2023-06-01 | @hypertension
            """,
        },
        "all:\n  - on_register: {codelist: hypertension, resolved: hypertension-resolved}",
        {"2021-12-31": [1, 2, 3], "2022-01-01": [1], "2024-03-31": [1, 3, 4]},
    ),
    Case(
        CH,
        "register-same-day-diagnosis-stays",
        "A resolved code on the same day as the latest diagnosis does not take the patient off "
        "the register: QOF counts a resolved code only when it is recorded *after* the latest "
        "diagnosis (OpenSAFELY's QOF studies do the same). A later resolved code does.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2023-01-01 | @diabetes
                1 | 2023-01-01 | @diabetes-resolved
                2 | 2023-01-01 | @diabetes
                3 | 2023-01-01 | @diabetes
                3 | 2023-01-01 | @diabetes-resolved
                3 | 2023-06-01 | @diabetes-resolved
            """,
        },
        "all:\n  - on_register: {codelist: diabetes, resolved: diabetes-resolved}",
        {"2023-05-31": [1, 2, 3], "2024-03-31": [1, 2]},
    ),
    Case(
        CH,
        "register-from-diagnosis-day",
        "A diagnosis counts from its own day; a diagnosis after d does not count on d.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2024-03-31 | @copd
                2 | 2024-04-01 | @copd
            """,
        },
        "all:\n  - on_register: {codelist: copd}",
        {"2024-03-31": [1], "2024-04-01": [1, 2]},
    ),
    Case(
        CH,
        "medication-table",
        "`medication` reads the medications table only (dm+d codes); `within: 6 months` as for events.",
        {
            "patients": PEOPLE,
            "medications": """
                patient_id | date | code
                1 | 2023-10-01 | @statins
                2 | 2023-09-30 | @statins
            """,
            "clinical_events": """
                patient_id | date | code
                3 | 2024-01-01 | @statins
            """,
        },
        "all:\n  - medication: {codelist: statins, within: 6 months}",
        {"2024-03-31": [1]},
    ),
    Case(
        CH,
        "vaccination-table-only",
        "`vaccination` reads the vaccinations table only: a clinical event with a vaccination code "
        "does not count (write an `event` criterion for that).",
        {
            "patients": PEOPLE,
            "vaccinations": """
                patient_id | date | code
                1 | 2023-10-01 | @flu-vaccination
            """,
            "clinical_events": """
                patient_id | date | code
                2 | 2023-10-01 | @flu-vaccination
            """,
        },
        "all:\n  - vaccination: {codelist: flu-vaccination, since: {month: 9, day: 1}}",
        {"2024-01-31": [1]},
    ),
    Case(
        CH,
        "age-at-event",
        "`age_at_event: {min: 1, max: 1}` keeps only records made when the patient was aged 1 "
        "(from the first birthday to the day before the second).",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 2021-06-15
                2 | 2021-06-15
                3 | 2021-06-15
                4 | 2021-06-15
            """,
            "vaccinations": """
                patient_id | date | code
                1 | 2022-06-14 | @mmr-vaccine
                2 | 2022-06-15 | @mmr-vaccine
                3 | 2023-06-14 | @mmr-vaccine
                4 | 2023-06-15 | @mmr-vaccine
            """,
        },
        "all:\n  - vaccination: {codelist: mmr-vaccine, age_at_event: {min: 1, max: 1}}",
        {"2023-12-31": [2, 3]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
