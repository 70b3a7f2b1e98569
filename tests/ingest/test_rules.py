"""Each validation rule: one bad row among good ones is quarantined with its reason; the rest load.

Every case changes or adds exactly one row of the valid baseline extract, in Parquet and in CSV,
and checks the quarantine names that row's file, row number, rule, field and value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from gpqi.ingest.rules import RULES
from tests.ingest.extracts import (
    AS_OF,
    FLU,
    SYSTOLIC,
    Extract,
    appointment,
    baseline,
    event,
    nhs_number,
    patient,
)
from tests.ingest.helpers import quarantined, rows, run

Mutation = Callable[[Extract], tuple[str, str | None, int, str]]  # -> table, practice, row, value as text


def add(ex: Extract, practice: str | None, table: str, row: dict) -> int:
    target = ex.reference[table] if practice is None else ex.practices[practice][table]
    target.append(row)
    return len(target)


def set_value(ex: Extract, practice: str | None, table: str, index: int, **values) -> int:
    target = ex.reference[table] if practice is None else ex.practices[practice][table]
    target[index].update(values)
    return index + 1


def new_event(**overrides) -> dict:
    return {**event(1, "P1", date(2024, 5, 1)), **overrides}


CASES: dict[str, tuple[Mutation, str, str | None]] = {
    # name: (mutation, rule, field)
    "date not a date": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(date="2024-02-30")),
            "2024-02-30",
        ),
        "type",
        "date",
    ),
    "date in another format": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(date="01/05/2024")),
            "01/05/2024",
        ),
        "type",
        "date",
    ),
    "number not a number": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(code=SYSTOLIC, numeric_value="high")),
            "high",
        ),
        "type",
        "numeric_value",
    ),
    "patient id not an integer": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(patient_id="1.5")),
            "1.5",
        ),
        "type",
        "patient_id",
    ),
    "timestamp not a timestamp": (
        lambda ex: (
            "appointments",
            "P1",
            add(
                ex,
                "P1",
                "appointments",
                {
                    **appointment(1003, "P1", 1, datetime(2024, 1, 1), datetime(2024, 1, 2)),
                    "booked_at": "yesterday",
                },
            ),
            "yesterday",
        ),
        "type",
        "booked_at",
    ),
    "boolean not a boolean": (
        lambda ex: ("patients", "P1", set_value(ex, "P1", "patients", 0, type1_opt_out="perhaps"), "perhaps"),
        "type",
        "type1_opt_out",
    ),
    "code missing": (
        lambda ex: ("clinical_events", "P1", add(ex, "P1", "clinical_events", new_event(code=None)), None),
        "required",
        "code",
    ),
    "code blank": (
        lambda ex: ("clinical_events", "P1", add(ex, "P1", "clinical_events", new_event(code="   ")), "   "),
        "required",
        "code",
    ),
    "date missing": (
        lambda ex: (
            "vaccinations",
            "P2",
            add(
                ex, "P2", "vaccinations", {"patient_id": 4, "practice_code": "P2", "date": None, "code": FLU}
            ),
            None,
        ),
        "required",
        "date",
    ),
    "code too short": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(code="12345")),
            "12345",
        ),
        "code_format",
        "code",
    ),
    "code with leading zero": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(code="0123456")),
            "0123456",
        ),
        "code_format",
        "code",
    ),
    "code too long": (
        lambda ex: (
            "medications",
            "P1",
            add(
                ex,
                "P1",
                "medications",
                {
                    "patient_id": 1,
                    "practice_code": "P1",
                    "date": date(2024, 3, 1),
                    "code": "1" * 19,
                    "quantity": 1.0,
                },
            ),
            "1" * 19,
        ),
        "code_format",
        "code",
    ),
    "code that went through a float": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(code="3.8341003e7")),
            "3.8341003e7",
        ),
        "code_format",
        "code",
    ),
    "nhs number fails modulus 11": (
        lambda ex: ("patients", "P1", set_value(ex, "P1", "patients", 0, nhs_number=_bad_nhs()), _bad_nhs()),
        "nhs_number",
        "nhs_number",
    ),
    "sex not lower case": (
        lambda ex: ("patients", "P2", set_value(ex, "P2", "patients", 1, sex="Male"), "Male"),
        "enumeration",
        "sex",
    ),
    "status not allowed": (
        lambda ex: ("appointments", "P2", set_value(ex, "P2", "appointments", 0, status="dna"), "dna"),
        "enumeration",
        "status",
    ),
    "organisation type not allowed": (
        lambda ex: ("organisations", None, set_value(ex, None, "organisations", 4, type="pcn"), "pcn"),
        "enumeration",
        "type",
    ),
    "imd decile out of range": (
        lambda ex: ("patients", "P1", set_value(ex, "P1", "patients", 0, imd_decile=11), "11"),
        "range",
        "imd_decile",
    ),
    "negative quantity": (
        lambda ex: ("medications", "P1", set_value(ex, "P1", "medications", 0, quantity=-28.0), "-28.0"),
        "range",
        "quantity",
    ),
    "imd score out of range": (
        lambda ex: ("practices", None, set_value(ex, None, "practices", 1, imd_score=120.0), "120.0"),
        "range",
        "imd_score",
    ),
    "placeholder date": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(date=date(1899, 12, 31))),
            "1899-12-31",
        ),
        "implausible_date",
        "date",
    ),
    "event after the as-of date": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(date=AS_OF + timedelta(days=1))),
            (AS_OF + timedelta(days=1)).isoformat(),
        ),
        "future_date",
        "date",
    ),
    "birth after the as-of date": (
        lambda ex: (
            "patients",
            "P2",
            add(ex, "P2", "patients", patient(5, AS_OF + timedelta(days=3))),
            (AS_OF + timedelta(days=3)).isoformat(),
        ),
        "future_date",
        "date_of_birth",
    ),
    "booking after the as-of date": (
        lambda ex: (
            "appointments",
            "P2",
            add(
                ex,
                "P2",
                "appointments",
                appointment(
                    2003, "P2", 4, datetime(2025, 7, 1, 0, 0), datetime(2025, 7, 2, 9), status="unknown"
                ),
            ),
            "2025-07-01 00:00:00",
        ),
        "future_date",
        "booked_at",
    ),
    "NUL in a given name": (
        lambda ex: ("patients", "P2", set_value(ex, "P2", "patients", 1, given_name="Ann\x00e"), "Ann\x00e"),
        "control_character",
        "given_name",
    ),
    "tab before a formula in a family name": (
        lambda ex: (
            "patients",
            "P2",
            set_value(ex, "P2", "patients", 1, family_name="\t=1+1ANDERSON"),
            "\t=1+1ANDERSON",
        ),
        "control_character",
        "family_name",
    ),
    "line break in a unit": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(
                ex, "P1", "clinical_events", new_event(code=SYSTOLIC, numeric_value=120.0, unit="mm[Hg]\r\n")
            ),
            "mm[Hg]\r\n",
        ),
        "control_character",
        "unit",
    ),
    "negative blood pressure": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(code=SYSTOLIC, numeric_value=-120.0, unit="mm[Hg]")),
            "-120.0",
        ),
        "implausible_value",
        "numeric_value",
    ),
    "percentage above 100": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(numeric_value=100.5, unit="%")),
            "100.5",
        ),
        "implausible_value",
        "numeric_value",
    ),
    "future appointment already attended": (
        lambda ex: (
            "appointments",
            "P2",
            add(
                ex,
                "P2",
                "appointments",
                appointment(2002, "P2", 4, datetime(2025, 6, 1, 9), datetime(2025, 7, 2, 9)),
            ),
            "attended",
        ),
        "outcome_in_future",
        "status",
    ),
    "death before birth": (
        lambda ex: (
            "patients",
            "P2",
            set_value(ex, "P2", "patients", 1, date_of_death=date(1950, 1, 1)),
            "1950-01-01",
        ),
        "death_before_birth",
        "date_of_death",
    ),
    "registration ends before it starts": (
        lambda ex: (
            "registrations",
            "P2",
            set_value(ex, "P2", "registrations", 1, end_date=date(2015, 5, 31)),
            "2015-05-31",
        ),
        "end_before_start",
        "end_date",
    ),
    "practice closed before it opened": (
        lambda ex: (
            "practices",
            None,
            set_value(ex, None, "practices", 0, closed=date(1989, 12, 31)),
            "1989-12-31",
        ),
        "closed_before_opened",
        "closed",
    ),
    "booked after the start": (
        lambda ex: (
            "appointments",
            "P2",
            set_value(ex, "P2", "appointments", 0, booked_at=datetime(2024, 6, 1, 11, 0, 1)),
            "2024-06-01 11:00:01",
        ),
        "booked_after_start",
        "booked_at",
    ),
    "event before birth": (
        lambda ex: (
            "clinical_events",
            "P2",
            add(ex, "P2", "clinical_events", event(4, "P2", date(1960, 12, 24))),
            "1960-12-24",
        ),
        "before_birth",
        "date",
    ),
    "registration before birth": (
        lambda ex: (
            "registrations",
            "P1",
            set_value(ex, "P1", "registrations", 2, start_date=date(2000, 7, 6)),
            "2000-07-06",
        ),
        "before_birth",
        "start_date",
    ),
    "event the day after death": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", event(2, "P1", date(2024, 3, 2))),
            "2024-03-02",
        ),
        "after_death",
        "date",
    ),
    "vaccination after death": (
        lambda ex: (
            "vaccinations",
            "P1",
            add(
                ex,
                "P1",
                "vaccinations",
                {"patient_id": 2, "practice_code": "P1", "date": date(2024, 10, 1), "code": FLU},
            ),
            "2024-10-01",
        ),
        "after_death",
        "date",
    ),
    "appointment attended after death": (
        lambda ex: (
            "appointments",
            "P1",
            add(
                ex,
                "P1",
                "appointments",
                appointment(1003, "P1", 2, datetime(2024, 2, 1), datetime(2024, 3, 8, 10)),
            ),
            "2024-03-08 10:00:00",
        ),
        "after_death",
        "start_at",
    ),
    "row from another practice": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", new_event(practice_code="P2")),
            "P2",
        ),
        "wrong_practice",
        "practice_code",
    ),
    "network not an organisation": (
        lambda ex: ("practices", None, set_value(ex, None, "practices", 1, network_code="NETX"), "NETX"),
        "unknown_reference",
        "network_code",
    ),
    "parent not an organisation": (
        lambda ex: (
            "organisations",
            None,
            set_value(ex, None, "organisations", 0, parent_code="NOPE"),
            "NOPE",
        ),
        "unknown_reference",
        "parent_code",
    ),
    "event for a patient the practice does not have": (
        lambda ex: (
            "clinical_events",
            "P2",
            add(ex, "P2", "clinical_events", event(1, "P2", date(2023, 1, 1))),
            "1",
        ),
        "unknown_patient",
        "patient_id",
    ),
    "registration for a patient the practice does not have": (
        lambda ex: (
            "registrations",
            "P2",
            add(
                ex,
                "P2",
                "registrations",
                {"patient_id": 99, "practice_code": "P2", "start_date": date(2020, 1, 1), "end_date": None},
            ),
            "99",
        ),
        "unknown_patient",
        "patient_id",
    ),
    "exact duplicate event": (
        lambda ex: (
            "clinical_events",
            "P1",
            add(ex, "P1", "clinical_events", dict(ex.practices["P1"]["clinical_events"][1])),
            "copy of row 2",
        ),
        "duplicate_row",
        None,
    ),
}


def _bad_nhs() -> str:
    good = nhs_number("999000001")
    return good[:9] + str((int(good[9]) + 1) % 10)


def _counts(report: dict, table: str, practice: str | None) -> dict:
    if practice is None:
        return report["reference"][table]["counts"]
    return report["practices"][practice]["tables"][table]


# Rules about how values are written run on CSV too (where everything arrives as text); the
# others see the same typed values whichever format the file was.
TEXT_RULES = {
    "type",
    "required",
    "code_format",
    "nhs_number",
    "enumeration",
    "future_date",
    "control_character",
    "implausible_value",
}
FORMAT_CASES = [(case, "parquet") for case in CASES] + [
    (case, "csv") for case, (_, rule, _) in CASES.items() if rule in TEXT_RULES
]


@pytest.mark.parametrize(("case", "fmt"), FORMAT_CASES)
def test_one_bad_row_is_quarantined_with_its_reason(tmp_path, case, fmt):
    mutate, rule, field = CASES[case]
    ex = baseline()
    table, practice, row, value = mutate(ex)
    read = len(ex.reference[table] if practice is None else ex.practices[practice][table])

    outcome = run(tmp_path, ex, fmt)

    q = quarantined(tmp_path, table)
    assert [(r["row"], r["rule"], r["field"]) for r in q] == [(row, rule, field)], case
    folder = "reference" if practice is None else f"practices/{practice}"
    assert q[0]["file"] == f"{folder}/{table}.{fmt}"
    if value is not None:
        assert q[0]["value"] == value
    assert q[0]["reason"]
    counts = _counts(outcome.report, table, practice)
    assert (counts["read"], counts["loaded"], counts["quarantined"]) == (read, read - 1, 1)
    assert counts["rules"] == {f"{rule}:{field}" if field else rule: 1}
    # Nothing else was quarantined, except the rows that depended on the bad one: a patient's
    # own records, or all of a practice's rows when its practices row is quarantined.
    total = outcome.report["tables"]
    assert all(t["read"] == t["loaded"] + t["quarantined"] for t in total.values())
    others = [r for t in total if t != table for r in quarantined(tmp_path, t)]
    consequences = {
        "patients": {"unknown_patient"},
        "registrations": {"not_registered"},
        "practices": {"unknown_practice"},
    }
    assert {r["rule"] for r in others} <= consequences.get(table, set())


def test_every_documented_rule_has_a_case_or_its_own_test():
    covered = {rule for _, rule, _ in CASES.values()}
    # tested below or in test_csv.py
    covered |= {
        "malformed_row",
        "unknown_practice",
        "not_registered",
        "duplicate_key",
        "duplicate_key_other_practice",
    }
    assert covered == set(RULES)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_boundaries_are_loaded(tmp_path, fmt):
    """Dated on the as-of day, on the day of birth or death: all fine; so is a booked future appointment."""
    ex = baseline()
    ex.practices["P1"]["clinical_events"] += [
        event(1, "P1", AS_OF),
        event(1, "P1", date(1950, 5, 17)),  # date of birth
        event(1, "P1", date(1950, 5, 17), code=SYSTOLIC, value=120.0),
        # the edges of what a unit allows
        event(1, "P1", date(2024, 1, 1), code=SYSTOLIC, value=0.5, unit="mm[Hg]"),
        event(1, "P1", date(2024, 1, 2), value=0.0, unit="%"),
        event(1, "P1", date(2024, 1, 3), value=100.0, unit="%"),
        event(1, "P1", date(2024, 1, 4), value=1000.0, unit="mmol/mol"),
        event(1, "P1", date(2024, 1, 5), value=-3.0, unit="kg"),  # no range known for this unit
    ]
    # booked on the as-of day itself (the last moment of it), for the next day: fine
    ex.practices["P2"]["appointments"].append(
        appointment(
            2004, "P2", 4, datetime(2025, 6, 30, 23, 59, 59), datetime(2025, 7, 1, 9), status="unknown"
        )
    )
    ex.reference["practices"][0]["opened"] = date(1900, 1, 1)  # the earliest date allowed
    ex.practices["P2"]["appointments"].append(
        appointment(2002, "P2", 4, datetime(2025, 6, 29, 9), datetime(2025, 7, 3, 9), status="unknown")
    )
    outcome = run(tmp_path, ex, fmt)
    assert sum(t["quarantined"] for t in outcome.report["tables"].values()) == 0
    assert len(rows(tmp_path, "clinical_events", "patient_id = 1")) == 2 + 3 + 5
    assert rows(tmp_path, "appointments", "appointment_id = 2004")
    # the baseline's cancelled appointment after patient 2's death and event on the day of death load too
    assert rows(tmp_path, "appointments", "appointment_id = 1002")[0]["status"] == "cancelled"
    assert rows(tmp_path, "clinical_events", "patient_id = 2")[0]["date"] == date(2024, 3, 1)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_all_failures_of_a_row_are_listed(tmp_path, fmt):
    ex = baseline()
    ex.practices["P1"]["clinical_events"].append(
        new_event(code="12", date=date(1800, 1, 1), practice_code="P9")
    )
    run(tmp_path, ex, fmt)
    (q,) = quarantined(tmp_path, "clinical_events")
    failures = {(f["rule"], f["field"], f["value"]) for f in q["failures"]}
    assert failures == {
        ("code_format", "code", "12"),
        ("implausible_date", "date", "1800-01-01"),
        ("before_birth", "date", "1800-01-01"),
        ("wrong_practice", "practice_code", "P9"),
    }
    assert (q["rule"], q["field"]) in {(r, f) for r, f, _ in failures}


def test_patient_registered_nowhere_at_the_practice(tmp_path):
    ex = baseline()
    ex.practices["P1"]["patients"].append(patient(5, date(1990, 1, 1)))
    ex.practices["P1"]["clinical_events"].append(event(5, "P1", date(2024, 1, 1)))
    outcome = run(tmp_path, ex)
    (q,) = quarantined(tmp_path, "clinical_events")
    assert (q["rule"], q["field"], q["row"]) == ("not_registered", "patient_id", 5)
    assert any("P1: 1 patient(s) have no registration" in w for w in outcome.report["warnings"])


def test_conflicting_duplicate_keys_load_none_of_the_rows(tmp_path):
    """Two different rows for patient 1 in one file: neither is trusted, so the patient's records fail too."""
    ex = baseline()
    ex.practices["P1"]["patients"].append(patient(1, date(1950, 5, 18)))
    outcome = run(tmp_path, ex)
    q = quarantined(tmp_path, "patients")
    assert [(r["row"], r["rule"], r["field"], r["value"]) for r in q] == [
        (1, "duplicate_key", "patient_id", "1"),
        (4, "duplicate_key", "patient_id", "1"),
    ]
    assert rows(tmp_path, "patients", "patient_id = 1") == []
    p1 = outcome.report["practices"]["P1"]["tables"]
    assert p1["registrations"]["rules"] == {"unknown_patient:patient_id": 1}
    assert p1["clinical_events"]["rules"] == {"unknown_patient:patient_id": 2}


def test_duplicate_registration_key_with_different_end(tmp_path):
    ex = baseline()
    ex.practices["P2"]["registrations"].append(
        {"patient_id": 4, "practice_code": "P2", "start_date": date(2015, 6, 1), "end_date": date(2016, 1, 1)}
    )
    run(tmp_path, ex)
    q = quarantined(tmp_path, "registrations")
    assert [(r["row"], r["rule"], r["value"]) for r in q] == [
        (2, "duplicate_key", "4, P2, 2015-06-01"),
        (3, "duplicate_key", "4, P2, 2015-06-01"),
    ]


def test_practice_missing_from_reference_is_quarantined_whole(tmp_path):
    ex = baseline()
    ex.practices["P9"] = {
        "patients": [patient(9, date(1970, 1, 1))],
        "registrations": [
            {"patient_id": 9, "practice_code": "P9", "start_date": date(2010, 1, 1), "end_date": None}
        ],
        "clinical_events": [event(9, "P9", date(2020, 1, 1))],
        "medications": [],
        "vaccinations": [],
        "appointments": [],
    }
    outcome = run(tmp_path, ex)
    p9 = outcome.report["practices"]["P9"]["tables"]
    assert {t: (c["loaded"], c["quarantined"]) for t, c in p9.items() if c["read"]} == {
        "patients": (0, 1),
        "registrations": (0, 1),
        "clinical_events": (0, 1),
    }
    assert quarantined(tmp_path, "registrations")[0]["rule"] == "unknown_practice"
    assert any("P9 is not in the practices table" in w for w in outcome.report["warnings"])
    assert rows(tmp_path, "patients", "patient_id = 9") == []


def test_appointment_id_in_two_new_practices_loads_neither(tmp_path):
    ex = baseline()
    ex.practices["P2"]["appointments"].append(
        appointment(1001, "P2", 4, datetime(2024, 7, 1, 9), datetime(2024, 7, 2, 9))
    )
    run(tmp_path, ex)
    q = quarantined(tmp_path, "appointments")
    assert [(r["file"], r["row"], r["rule"], r["value"]) for r in q] == [
        ("practices/P1/appointments.parquet", 1, "duplicate_key_other_practice", "1001"),
        ("practices/P2/appointments.parquet", 2, "duplicate_key_other_practice", "1001"),
    ]
    assert rows(tmp_path, "appointments", "appointment_id = 1001") == []
