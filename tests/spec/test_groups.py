"""Spec: combining criteria with all, any and none; the numerator lies within the denominator."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "groups"

PEOPLE = """
    patient_id | date_of_birth
    1 | 1950-01-01
    2 | 1950-01-01
    3 | 1950-01-01
    4 | 1990-01-01
"""

CASES = [
    Case(
        CH,
        "none-excludes",
        "`none` removes patients meeting any of its criteria on that date; once the exclusion "
        "falls out of its window they are back.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @hypertension
                2 | 2020-01-01 | @hypertension
                2 | 2023-06-01 | @bp-declined
            """,
        },
        "all:\n  - registered: {}",
        {"2024-03-31": [1], "2024-06-01": [1, 2]},
        denominator="all:\n  - on_register: {codelist: hypertension}\nnone:\n  - event: {codelist: bp-declined, within: 12 months}",
        expect_denominator={"2024-03-31": [1], "2024-05-31": [1], "2024-06-01": [1, 2]},
    ),
    Case(
        CH,
        "none-latest-of-several-lists",
        'QOF\'s frailty rule ("latest frailty diagnosis is moderate or severe") is a register '
        "whose resolved list is the milder grade: `none: [on_register: {codelist: "
        "[frailty-moderate, frailty-severe], resolved: frailty-mild}]`. Patient 2 (severe) and "
        "4 (mild, then severe) are left out; 3 (moderate, then mild) is back in once the mild "
        "code is recorded; 5 has a mild and a moderate code on the same day, which counts as "
        "moderate.",
        {
            "patients": PEOPLE + "    5 | 1950-01-01\n",
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @diabetes
                2 | 2020-01-01 | @diabetes
                2 | 2023-05-01 | @frailty-severe
                3 | 2020-01-01 | @diabetes
                3 | 2023-05-01 | @frailty-moderate
                3 | 2023-09-01 | @frailty-mild
                4 | 2020-01-01 | @diabetes
                4 | 2023-05-01 | @frailty-mild
                4 | 2023-09-01 | @frailty-severe
                5 | 2020-01-01 | @diabetes
                5 | 2023-09-01 | @frailty-mild
                5 | 2023-09-01 | @frailty-moderate
            """,
        },
        "all:\n  - registered: {}",
        {"2023-06-01": [1, 4, 5], "2024-03-31": [1, 3]},
        denominator="all:\n  - on_register: {codelist: diabetes}\nnone:\n"
        "  - on_register: {codelist: [frailty-moderate, frailty-severe], resolved: frailty-mild}",
        expect_denominator={"2023-06-01": [1, 4, 5], "2024-03-31": [1, 3]},
    ),
    Case(
        CH,
        "any-is-union",
        "`any` holds when at least one of its criteria holds.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @chd
                2 | 2020-01-01 | @stroke
                2 | 2020-01-01 | @chd
                3 | 2020-01-01 | @asthma
            """,
        },
        "any:\n  - on_register: {codelist: chd}\n  - on_register: {codelist: [stroke, tia]}",
        {"2024-03-31": [1, 2]},
    ),
    Case(
        CH,
        "nested-group-in-none",
        "Groups nest: `none: [{all: [age 17+, diabetes]}]` removes only adults with diabetes.",
        {
            "patients": """
                patient_id | date_of_birth
                1 | 1950-01-01
                2 | 1950-01-01
                3 | 2010-01-01
            """,
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @chd
                2 | 2020-01-01 | @chd
                2 | 2020-01-01 | @diabetes
                3 | 2020-01-01 | @chd
                3 | 2020-01-01 | @diabetes
            """,
        },
        "all:\n  - registered: {}",
        {"2024-03-31": [1, 3]},
        denominator=(
            "all:\n  - on_register: {codelist: chd}\nnone:\n  - all:\n"
            "      - age: {min: 17}\n      - on_register: {codelist: diabetes}"
        ),
        expect_denominator={"2024-03-31": [1, 3], "2027-01-01": [1]},
    ),
    Case(
        CH,
        "numerator-within-denominator",
        "The numerator only counts patients in the denominator on that date.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2020-01-01 | @diabetes |
                1 | 2024-01-01 | @hba1c | 48
                4 | 2024-01-01 | @hba1c | 48
            """,
        },
        "all:\n  - latest_value: {codelist: hba1c, within: 12 months, max: 58}",
        {"2024-03-31": [1]},
        denominator="all:\n  - on_register: {codelist: diabetes}",
    ),
    Case(
        CH,
        "any-and-none-together",
        "In one group, `all`, `any` and `none` must all hold: all of the first, at least one of the "
        "second, none of the third.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code
                1 | 2020-01-01 | @copd
                2 | 2020-01-01 | @asthma
                2 | 2020-01-01 | @palliative-care
                3 | 2020-01-01 | @heart-failure
                4 | 2020-01-01 | @copd
            """,
        },
        (
            "all:\n  - age: {min: 65}\nany:\n  - on_register: {codelist: copd}\n"
            "  - on_register: {codelist: asthma}\nnone:\n  - on_register: {codelist: palliative-care}"
        ),
        {"2024-03-31": [1]},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
