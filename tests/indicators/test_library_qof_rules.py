"""The library's QOF and UKHSA definitions on small hand-made records, evaluated by the real
engine on DuckDB: each patient is there for one business rule, and the expected membership
is worked out by hand from the rule text quoted in the definition's notes."""

from __future__ import annotations

import datetime as dt

import pytest

from gpqi.engine.backends import connect
from gpqi.engine.membership import evaluate
from gpqi.engine.runner import open_snapshot
from gpqi.indicators import get
from tests.spec.builder import table, write_snapshot
from tests.spec.framework import _codes

PRACTICES = [
    {"practice_code": "P1", "name": "One", "network_code": "N1", "sub_icb_code": "S1", "ehr_system": "emis"}
]
END_OF_YEAR = dt.date(2024, 3, 31)

DIABETES_PATIENTS = "patient_id | date_of_birth | sex\n" + "\n".join(
    f"{pid} | 1950-01-01 | female" for pid in range(1, 9)
)
DIABETES_REGISTRATIONS = "patient_id | practice_code | start_date | end_date\n" + "\n".join(
    f"{pid} | P1 | 2000-01-01 |" for pid in range(1, 9)
)
# 1 at target; 2 at target but severely frail (left out before the achievement step);
# 3 moderate then mild frailty, above target; 4 above target, care unsuitable; 5 no HbA1c but
# a serum fructosamine; 6 above target, two invitations 10 days apart (payment only);
# 7 above target, maximal tolerated treatment; 8 only a DCCT-aligned percentage.
DIABETES_EVENTS = """
    patient_id | date | code | numeric_value
    1 | 2015-01-01 | @diabetes |
    1 | 2024-01-10 | @hba1c-ifcc | 50
    2 | 2015-01-01 | @diabetes |
    2 | 2023-06-01 | @frailty-severe |
    2 | 2024-01-10 | @hba1c-ifcc | 50
    3 | 2015-01-01 | @diabetes |
    3 | 2023-01-01 | @frailty-moderate |
    3 | 2023-06-01 | @frailty-mild |
    3 | 2024-01-10 | @hba1c-ifcc | 70
    4 | 2015-01-01 | @diabetes |
    4 | 2024-01-10 | @hba1c-ifcc | 70
    4 | 2024-02-01 | @diabetes-unsuitable |
    5 | 2015-01-01 | @diabetes |
    5 | 2024-02-01 | @serum-fructosamine | 300
    6 | 2015-01-01 | @diabetes |
    6 | 2024-01-10 | @hba1c-ifcc | 70
    6 | 2024-01-15 | @diabetes-invite |
    6 | 2024-01-25 | @diabetes-invite |
    7 | 2015-01-01 | @diabetes |
    7 | 2024-01-10 | @hba1c-ifcc | 70
    7 | 2024-02-01 | @diabetes-max-tolerated |
    8 | 2015-01-01 | @diabetes |
    8 | 2024-01-10 | 1019431000000105 | 7
"""


def _members(tmp_path, tables: dict, indicator: str, day: dt.date) -> dict[str, set[int]]:
    ws = write_snapshot(tmp_path / "ws", tables)
    backend = connect("duckdb")
    try:
        frame = evaluate(backend, open_snapshot(backend, ws), [get(indicator)], [day])
    finally:
        backend.close()
    return {part: set(frame[frame["part"] == part]["unit_id"]) for part in set(frame["part"])}


@pytest.fixture
def diabetes_tables() -> dict:
    return {
        "practices": PRACTICES,
        "patients": table(DIABETES_PATIENTS),
        "registrations": table(DIABETES_REGISTRATIONS),
        "clinical_events": [_codes(r) for r in table(DIABETES_EVENTS)],
    }


def test_dm_hba1c_applies_frailty_first_then_the_adjustments_to_non_achievers(tmp_path, diabetes_tables):
    members = _members(tmp_path, diabetes_tables, "dm-hba1c", END_OF_YEAR)
    assert members["numerator"] == {1}
    assert members["denominator"] == {1, 3, 8}
    # the worklist: the denominator's non-achievers plus the payment-only exception
    assert members["needs_care"] - members["numerator"] == {3, 6, 8}


def test_dm_bp_leaves_out_moderate_or_severe_frailty_whatever_the_reading(tmp_path, diabetes_tables):
    events = """
        patient_id | date | code | numeric_value
        1 | 2015-01-01 | @diabetes |
        1 | 2024-01-10 | @systolic-bp | 130
        1 | 2024-01-10 | @diastolic-bp | 80
        2 | 2015-01-01 | @diabetes |
        2 | 2023-06-01 | @frailty-moderate |
        2 | 2024-01-10 | @systolic-bp | 130
        2 | 2024-01-10 | @diastolic-bp | 80
        3 | 2015-01-01 | @diabetes |
        3 | 2024-01-10 | @systolic-bp | 150
        3 | 2024-01-10 | @diastolic-bp | 80
        3 | 2024-02-01 | @diabetes-unsuitable |
        4 | 2015-01-01 | @diabetes |
        4 | 2024-01-10 | @systolic-bp | 150
        4 | 2024-01-10 | @diastolic-bp | 80
    """
    diabetes_tables["clinical_events"] = [_codes(r) for r in table(events)]
    members = _members(tmp_path, diabetes_tables, "dm-bp", END_OF_YEAR)
    assert members["numerator"] == {1}
    assert members["denominator"] == {1, 4}


def test_flu_65_counts_the_procedure_code_national_systems_write_from_the_first_week(tmp_path):
    """Patient 1 turns 65 on 1 December 2023, so is in UKHSA's cohort (65 or over on 31 March
    2024) in October; vaccinated with 822851000000102 "Seasonal influenza vaccination", the
    code missing from FLU_COD. Patient 2 turns 65 in June 2024: not in this season's cohort."""
    tables = {
        "practices": PRACTICES,
        "patients": table("patient_id | date_of_birth | sex\n1 | 1958-12-01 | male\n2 | 1959-06-01 | male"),
        "registrations": table(
            "patient_id | practice_code | start_date | end_date\n1 | P1 | 2000-01-01 |\n2 | P1 | 2000-01-01 |"
        ),
        "vaccinations": table(
            "patient_id | date | code\n1 | 2023-10-02 | 822851000000102\n2 | 2023-10-02 | 822851000000102"
        ),
    }
    members = _members(tmp_path, tables, "flu-65", dt.date(2023, 10, 8))
    assert members["denominator"] == {1}
    assert members["numerator"] == {1}
