"""The bench floor builds the groupings it is defined by: library codes only, per patient and
code with count, first and last date and last value; appointments per practice, month,
status, mode, channel and lead-time band; registrations per patient."""

from __future__ import annotations

import datetime as dt

import duckdb

from gpqi.codelists import load
from gpqi.programmes.floor import build, floor, library_codes, load_codes
from tests.spec.builder import table, write_snapshot
from tests.spec.framework import _codes

SYSTOLIC = load("systolic-bp").codes[0]
NOT_IN_LIBRARY = "999999999999999999"  # no codelist holds it

EVENTS = f"""
    patient_id | date | code | numeric_value
    1 | 2020-01-01 | @systolic-bp | 140
    1 | 2021-06-01 | @systolic-bp | 130
    1 | 2020-09-01 | @systolic-bp | 150
    1 | 2021-07-01 | {NOT_IN_LIBRARY} | 1
    2 | 2022-03-04 | @systolic-bp | 120
"""
APPOINTMENTS = """
    patient_id | booked_at | start_at | status
    1 | 2024-01-02 08:00:00 | 2024-01-02 09:00:00 | attended
    2 | 2024-01-03 08:00:00 | 2024-01-03 10:00:00 | attended
    1 | 2024-01-01 09:00:00 | 2024-01-20 09:00:00 | did_not_attend
    2 | | 2024-01-20 09:00:00 | did_not_attend
    2 | 2024-01-01 09:00:00 | 2024-02-02 09:00:00 | did_not_attend
"""
REGISTRATIONS = """
    patient_id | practice_code | start_date | end_date
    1 | P1 | 2000-01-01 | 2010-12-31
    1 | P1 | 2012-01-01 |
    2 | P1 | 2005-05-05 | 2020-01-01
"""
PATIENTS = """
    patient_id | date_of_birth
    1 | 1950-01-01
    2 | 1960-01-01
"""


def _workspace(tmp_path):
    return write_snapshot(
        tmp_path / "ws",
        {
            "patients": table(PATIENTS),
            "registrations": table(REGISTRATIONS),
            "clinical_events": [_codes(r) for r in table(EVENTS)],
            "appointments": table(APPOINTMENTS),
        },
    )


def test_floor_groups_library_codes_per_patient_and_code(tmp_path):
    ws = _workspace(tmp_path)
    con = duckdb.connect()
    load_codes(con, ws)
    seconds = build(con, ws)
    assert set(seconds) == {"clinical_events", "medications", "vaccinations", "appointments", "registrations"}
    events = con.execute(
        "SELECT patient_id, code, n, first_date, last_date, last_value FROM floor_clinical_events ORDER BY 1"
    ).fetchall()
    # The out-of-library code is dropped; patient 1's latest reading is 2021-06-01's 130.
    assert events == [
        (1, SYSTOLIC, 3, dt.date(2020, 1, 1), dt.date(2021, 6, 1), 130.0),
        (2, SYSTOLIC, 1, dt.date(2022, 3, 4), dt.date(2022, 3, 4), 120.0),
    ]
    appointments = con.execute(
        "SELECT month, status, lead_band, n FROM floor_appointments ORDER BY 1, 2, 3"
    ).fetchall()
    january, february = dt.datetime(2024, 1, 1), dt.datetime(2024, 2, 1)
    assert appointments == [
        (january, "attended", "0 <=48h", 2),  # both booked on the day
        (january, "did_not_attend", "15-21 >48h", 1),  # 19 days ahead
        (january, "did_not_attend", "unknown", 1),  # no booking time
        (february, "did_not_attend", "29+ >48h", 1),  # 32 days ahead
    ]
    registrations = con.execute("SELECT * FROM floor_registrations ORDER BY 1").fetchall()
    assert registrations == [
        (1, 2, dt.date(2000, 1, 1), dt.date(9999, 12, 31)),
        (2, 1, dt.date(2005, 5, 5), dt.date(2020, 1, 1)),
    ]


def test_floor_reports_groups_and_codes(tmp_path):
    ws = _workspace(tmp_path)
    report = floor(ws, threads=1)
    assert report["groups"] == {
        "clinical_events": 2,
        "medications": 0,
        "vaccinations": 0,
        "appointments": 4,
        "registrations": 2,
    }
    codes = library_codes(ws)
    assert (
        report["codes"]
        == codes.num_rows
        == len(set(zip(codes["source"].to_pylist(), codes["code"].to_pylist(), strict=True)))
    )
    assert set(codes["source"].to_pylist()) >= {"clinical_events", "medications"}
    assert report["seconds"] > 0
