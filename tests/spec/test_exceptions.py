"""Spec: exceptions in QOF's rule order — achievers first, then personalised care adjustments,
and payment exceptions that keep the patient on the worklist."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "exceptions"

PEOPLE = """
    patient_id | date_of_birth
    1 | 1950-01-01
    2 | 1950-01-01
    3 | 1950-01-01
    4 | 1950-01-01
"""
REGISTER = "all:\n  - on_register: {codelist: hypertension}"
BP_140 = "all:\n  - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}"

CASES = [
    Case(
        CH,
        "exceptions-after-achievers",
        "`exceptions` are applied in QOF's rule order: a patient who meets the numerator is "
        "selected first and stays in both numerator and denominator whatever exceptions they "
        "have; only those not meeting it are removed. Here 1 is at target and declined BP "
        "measurement (kept), 2 is above target and declined (removed), 3 is above target "
        "(kept, not in the numerator).",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2020-01-01 | @hypertension |
                1 | 2024-01-10 | @systolic-bp | 130
                1 | 2024-02-01 | @bp-declined |
                2 | 2020-01-01 | @hypertension |
                2 | 2024-01-10 | @systolic-bp | 150
                2 | 2024-02-01 | @bp-declined |
                3 | 2020-01-01 | @hypertension |
                3 | 2024-01-10 | @systolic-bp | 150
            """,
        },
        BP_140,
        {"2024-03-31": [1]},
        denominator=REGISTER,
        expect_denominator={"2024-03-31": [1, 3]},
        exceptions="- event: {codelist: bp-declined, within: 12 months}",
        expect_needs_care={"2024-03-31": [1, 3]},
    ),
    Case(
        CH,
        "none-applies-to-everyone",
        "`none` in the denominator removes patients whether or not they meet the numerator "
        "(use it for rules that come before QOF's achievement step, such as age).",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2020-01-01 | @hypertension |
                1 | 2024-01-10 | @systolic-bp | 130
                1 | 2024-02-01 | @bp-declined |
            """,
        },
        BP_140,
        {"2024-03-31": []},
        denominator=REGISTER + "\nnone:\n  - event: {codelist: bp-declined, within: 12 months}",
        expect_denominator={"2024-03-31": []},
    ),
    Case(
        CH,
        "payment-exceptions-stay-on-worklist",
        "`payment_exceptions` remove patients not meeting the numerator from the denominator "
        '("for payment purposes"), but they still need care: the worklist (`needs_care`) keeps '
        "them. Here 2 did not respond to two invitations 7 days apart: out of the denominator, "
        "still on the worklist. 3 was invited only once. 1 meets the target and is counted.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2020-01-01 | @hypertension |
                1 | 2024-01-10 | @systolic-bp | 130
                1 | 2024-02-01 | @hypertension-invite |
                1 | 2024-02-08 | @hypertension-invite |
                2 | 2020-01-01 | @hypertension |
                2 | 2024-02-01 | @hypertension-invite |
                2 | 2024-02-08 | @hypertension-invite |
                3 | 2020-01-01 | @hypertension |
                3 | 2024-02-01 | @hypertension-invite |
            """,
        },
        BP_140,
        {"2024-03-31": [1]},
        denominator=REGISTER,
        expect_denominator={"2024-03-31": [1, 3]},
        payment_exceptions=(
            "- event: {codelist: hypertension-invite, within: 12 months, min_count: 2, min_days_apart: 7}"
        ),
        expect_needs_care={"2024-03-31": [1, 2, 3]},
    ),
    Case(
        CH,
        "exceptions-follow-the-numerator-over-time",
        "Exceptions are judged on each reporting date: a patient excepted while above target "
        "returns to both parts on the day a reading at target is recorded.",
        {
            "patients": PEOPLE,
            "clinical_events": """
                patient_id | date | code | numeric_value
                1 | 2020-01-01 | @hypertension |
                1 | 2024-01-10 | @systolic-bp | 150
                1 | 2024-02-01 | @hypertension-unsuitable |
                1 | 2024-03-15 | @systolic-bp | 135
            """,
        },
        BP_140,
        {"2024-03-14": [], "2024-03-15": [1]},
        denominator=REGISTER,
        expect_denominator={"2024-01-31": [1], "2024-03-14": [], "2024-03-15": [1]},
        exceptions="- event: {codelist: hypertension-unsuitable, within: 12 months}",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
