"""The runner end to end on a tiny snapshot: results, roll-ups, opt-outs, exclusions,
worklists, run.json, no-op re-runs, and the counting path against per-patient membership."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from gpqi.engine import run
from gpqi.engine.backends import connect
from gpqi.engine.membership import evaluate
from gpqi.engine.runner import open_snapshot
from gpqi.engine.schema import LIST_SIZES, RESULTS, WORKLIST
from gpqi.indicators import get, load_library, parse
from tests.spec.builder import table, write_snapshot
from tests.spec.framework import _codes

PRACTICES = [
    {"practice_code": "P1", "name": "One", "network_code": "N1", "sub_icb_code": "S1", "ehr_system": "emis"},
    {"practice_code": "P2", "name": "Two", "network_code": "N1", "sub_icb_code": "S1", "ehr_system": "tpp"},
    {
        "practice_code": "P3",
        "name": "Three",
        "network_code": "N2",
        "sub_icb_code": "S1",
        "ehr_system": "emis",
    },
]

PATIENTS = """
    patient_id | date_of_birth | sex | type1_opt_out | family_name
    1 | 1950-06-01 | male | false | Adams
    2 | 1955-01-01 | female | false | Brown
    3 | 1960-01-01 | female | true | Clark
    4 | 1962-01-01 | male | false | Davis
    5 | 1970-01-01 | female | false | Evans
    6 | 1948-01-01 | male | false | Fox
"""
REGISTRATIONS = """
    patient_id | practice_code | start_date | end_date
    1 | P1 | 2000-01-01 |
    2 | P1 | 2000-01-01 |
    3 | P1 | 2000-01-01 |
    4 | P2 | 2000-01-01 |
    5 | P3 | 2000-01-01 |
    6 | P2 | 2000-01-01 | 2024-01-31
    6 | P3 | 2024-02-01 |
"""
EVENTS = """
    patient_id | date | code | numeric_value
    1 | 2015-01-01 | @diabetes |
    1 | 2024-01-10 | @systolic-bp | 135
    1 | 2024-01-10 | @diastolic-bp | 85
    2 | 2016-01-01 | @diabetes |
    2 | 2024-02-10 | @systolic-bp | 150
    2 | 2024-02-10 | @diastolic-bp | 85
    3 | 2017-01-01 | @diabetes |
    4 | 2018-01-01 | @diabetes |
    4 | 2022-05-01 | @systolic-bp | 120
    4 | 2022-05-01 | @diastolic-bp | 70
    5 | 2019-01-01 | @diabetes |
    5 | 2024-01-05 | @bp-declined |
    6 | 2019-01-01 | @diabetes |
"""
APPOINTMENTS = """
    patient_id | practice_code | booked_at | start_at | status
    1 | P1 | 2024-01-01 09:00:00 | 2024-01-02 09:00:00 | attended
    2 | P1 | 2024-01-01 09:00:00 | 2024-01-20 09:00:00 | did_not_attend
    3 | P1 | 2024-01-01 09:00:00 | 2024-01-20 10:00:00 | did_not_attend
    4 | P2 | 2024-01-01 09:00:00 | 2024-01-20 09:00:00 | cancelled
    4 | P2 | 2024-01-01 09:00:00 | 2024-01-21 09:00:00 | attended
"""
DATES = "monthly:2023-12..2024-03"


def _tables() -> dict:
    return {
        "practices": PRACTICES,
        "patients": table(PATIENTS),
        "registrations": table(REGISTRATIONS),
        "clinical_events": [_codes(r) for r in table(EVENTS)],
        "appointments": table(APPOINTMENTS),
    }


@pytest.fixture
def ws(tmp_path):
    return write_snapshot(tmp_path / "ws", _tables())


def _row(results: pd.DataFrame, indicator: str, org: str, day: str) -> pd.Series:
    chosen = results[
        (results["indicator_id"] == indicator)
        & (results["org_code"] == org)
        & (results["reporting_date"] == dt.date.fromisoformat(day))
    ]
    assert len(chosen) == 1
    return chosen.iloc[0]


def test_results_rollups_optouts_and_exclusions(ws):
    outcome = run(ws, ["dm-bp", "dna-all"], dates=DATES)
    results = outcome.results
    assert list(results.columns) == [f.name for f in RESULTS]
    # P1 on 31 March: patients 1, 2 in the denominator (3 has a type 1 opt-out); 1 controlled.
    p1 = _row(results, "dm-bp", "P1", "2024-03-31")
    assert (p1.numerator, p1.denominator, p1.excluded) == (1, 2, 0)
    # P3: patient 5 declined BP and patient 6 moved in on 1 February (registered there in the
    # last 9 months); neither is at target, so both are excepted (QOF's rule order) and P3's
    # denominator is empty and its value is null.
    p3 = _row(results, "dm-bp", "P3", "2024-03-31")
    assert (p3.numerator, p3.denominator, p3.excluded) == (0, 0, 2)
    assert pd.isna(p3.value)
    # Patient 6 counts at P2 until the move.
    p2_jan = _row(results, "dm-bp", "P2", "2024-01-31")
    assert p2_jan.denominator == 2
    p2_feb = _row(results, "dm-bp", "P2", "2024-02-29")
    assert p2_feb.denominator == 1
    # Roll-ups sum counts; the value is recomputed, not averaged.
    network = _row(results, "dm-bp", "N1", "2024-03-31")
    p2 = _row(results, "dm-bp", "P2", "2024-03-31")
    assert network.numerator == p1.numerator + p2.numerator
    assert network.denominator == p1.denominator + p2.denominator
    programme = _row(results, "dm-bp", "G1", "2024-03-31")
    assert programme.org_type == "programme"
    assert programme.denominator == p1.denominator + p2.denominator + p3.denominator
    assert programme.value == pytest.approx(programme.numerator / programme.denominator)
    assert set(results["org_type"]) == {"practice", "network", "sub_icb", "icb", "programme"}
    # DNA in January at P1: one DNA and one attendance count; patient 3's DNA is an opt-out.
    dna = _row(results, "dna-all", "P1", "2024-01-31")
    assert (dna.numerator, dna.denominator) == (1, 2)
    dna_p2 = _row(results, "dna-all", "P2", "2024-01-31")
    assert (dna_p2.numerator, dna_p2.denominator, dna_p2.excluded) == (0, 1, 1)
    # Outputs on disk match their schemas.
    assert pq.read_schema(ws.results_path).equals(RESULTS)
    assert pq.read_schema(ws.list_sizes_path).equals(LIST_SIZES)
    sizes = outcome.list_sizes
    march = sizes[sizes["reporting_date"] == dt.date(2024, 3, 31)].set_index("practice_code")["list_size"]
    assert march.to_dict() == {"P1": 3, "P2": 1, "P3": 2}


def test_worklists_reasons_and_optouts(ws):
    run(ws, ["dm-bp"], dates=DATES)
    p1 = pq.read_table(ws.worklist_path("P1", "dm-bp"))
    assert p1.schema.equals(WORKLIST)
    rows = p1.to_pandas().set_index("patient_id")
    # Patient 2's latest BP (150/85) is above target; patient 3 (opt-out) was never measured
    # and is still listed: worklists are for direct care.
    assert rows.loc[2, "reason"] == "above_target"
    assert rows.loc[2, "last_value"] == 150
    assert rows.loc[2, "last_date"] == dt.date(2024, 2, 10)
    assert rows.loc[3, "reason"] == "never_recorded"
    assert bool(rows.loc[3, "type1_opt_out"]) is True
    assert 1 not in rows.index
    assert rows.loc[2, "family_name"] == "Brown"
    assert len(rows.loc[2, "nhs_number"]) == 10
    assert rows.loc[2, "age"] == 69
    p2 = pq.read_table(ws.worklist_path("P2", "dm-bp")).to_pandas().set_index("patient_id")
    assert p2.loc[4, "reason"] == "out_of_date"  # 120/70 in May 2022
    # Every practice gets a file, even when nobody is listed.
    assert pq.read_table(ws.worklist_path("P3", "dm-bp")).num_rows == 0


def test_rerun_is_a_noop_and_changes_recompute(ws):
    first = run(ws, ["dm-bp", "dna-all"], dates=DATES)
    info = json.loads(ws.run_info_path.read_text())
    assert info["snapshot_id"] == "s1"
    assert info["indicators"]["dm-bp"]["version"] == get("dm-bp").version
    assert info["dates"]["count"] == 4
    assert info["rows"]["snapshot"]["patients"] == 6
    assert sorted(first.computed) == ["dm-bp", "dna-all"]
    mtime = ws.results_path.stat().st_mtime_ns
    again = run(ws, ["dm-bp", "dna-all"], dates=DATES)
    assert again.skipped
    assert ws.results_path.stat().st_mtime_ns == mtime
    pd.testing.assert_frame_equal(
        again.results.sort_values(list(again.results.columns)).reset_index(drop=True),
        first.results.sort_values(list(first.results.columns)).reset_index(drop=True),
    )
    # A changed definition is recomputed; the unchanged one is reused.
    stricter = parse(_definition_text("dm-bp").replace("max: 140", "max: 130"))
    changed = run(ws, [stricter, "dna-all"], dates=DATES)
    assert changed.computed == ["dm-bp"] and changed.reused == ["dna-all"]
    assert set(changed.results["indicator_version"]) == {stricter.version, get("dna-all").version}
    # Other dates: recomputed.
    assert not run(ws, ["dna-all"], dates="monthly:2024-01..2024-03").skipped


def _definition_text(indicator_id: str) -> str:
    from gpqi.indicators.loader import _library_dir

    return (_library_dir() / f"{indicator_id}.yaml").read_text()


def test_counting_matches_membership(ws):
    """The runner's step-and-sum counts equal counts of per-patient membership: for patient
    indicators, and for every appointment indicator of the library (the runner counts those
    from one pass over the appointments, membership filters each one on its own)."""
    by_appointment = [ind.id for ind in load_library() if ind.unit == "appointment"]
    assert len(by_appointment) >= 10
    ids = ["dm-bp", "hyp-bp-79", "flu-65", "statin-cvd", *by_appointment]
    outcome = run(ws, ids, dates=DATES, worklists=False)
    backend = connect("duckdb")
    try:
        tables = open_snapshot(backend, ws)
        days = sorted(set(outcome.results["reporting_date"]))
        frame = evaluate(backend, tables, [get(i) for i in ids], days)
    finally:
        backend.close()
    frame["reporting_date"] = pd.to_datetime(frame["reporting_date"]).dt.date
    opted = {3}
    patient_rows = frame[frame["indicator_id"].isin(by_appointment) | ~frame["unit_id"].isin(opted)]
    counts = patient_rows.groupby(["indicator_id", "practice_code", "reporting_date", "part"]).size()
    practice = outcome.results[outcome.results["org_type"] == "practice"]
    assert practice["denominator"].sum() > 0 and practice["numerator"].sum() > 0
    for row in practice.itertuples():
        day = row.reporting_date
        den = counts.get((row.indicator_id, row.org_code, day, "denominator"), 0)
        num = counts.get((row.indicator_id, row.org_code, day, "numerator"), 0)
        pre = counts.get((row.indicator_id, row.org_code, day, "before_exclusions"), 0)
        assert (row.numerator, row.denominator, row.excluded) == (num, den, pre - den), row


HYP_EVENTS = """
    patient_id | date | code | numeric_value
    1 | 2015-01-01 | @hypertension |
    1 | 2024-01-10 | @systolic-bp | 135
    1 | 2024-01-10 | @diastolic-bp | 85
    1 | 2024-02-01 | @hypertension-invite |
    1 | 2024-02-08 | @hypertension-invite |
    2 | 2016-01-01 | @hypertension |
    2 | 2024-02-10 | @systolic-bp | 150
    2 | 2024-02-10 | @diastolic-bp | 85
    2 | 2024-02-15 | @hypertension-invite |
    2 | 2024-02-22 | @hypertension-invite |
    4 | 2016-01-01 | @hypertension |
    4 | 2024-02-10 | @systolic-bp | 150
    4 | 2024-02-10 | @diastolic-bp | 85
    4 | 2024-02-15 | @hypertension-unsuitable |
    5 | 2016-01-01 | @hypertension |
"""


def test_worklists_keep_payment_exceptions_and_drop_other_exceptions(tmp_path):
    """hyp-bp-79: patient 2 (above target, two invitations a week apart) leaves the
    denominator for payment but stays on the worklist; patient 4 (above target, care
    unsuitable) leaves both; patient 1 is at target despite the invitations and counts; the
    worklist agrees with per-patient membership (`needs_care` minus the numerator)."""
    tables = _tables()
    tables["clinical_events"] = [_codes(r) for r in table(HYP_EVENTS)]
    ws = write_snapshot(tmp_path / "ws", tables)
    outcome = run(ws, ["hyp-bp-79"], dates=DATES)
    p1 = _row(outcome.results, "hyp-bp-79", "P1", "2024-03-31")
    assert (p1.numerator, p1.denominator, p1.excluded) == (1, 1, 1)
    p2 = _row(outcome.results, "hyp-bp-79", "P2", "2024-03-31")
    assert (p2.numerator, p2.denominator, p2.excluded) == (0, 0, 1)
    listed = pq.read_table(ws.worklist_path("P1", "hyp-bp-79")).to_pandas()
    assert list(listed["patient_id"]) == [2]
    assert listed["reason"].tolist() == ["above_target"]
    assert pq.read_table(ws.worklist_path("P2", "hyp-bp-79")).num_rows == 0
    backend = connect("duckdb")
    try:
        frame = evaluate(backend, open_snapshot(backend, ws), [get("hyp-bp-79")], [dt.date(2024, 3, 31)])
    finally:
        backend.close()
    members = {part: set(frame[frame["part"] == part]["unit_id"]) for part in ("needs_care", "numerator")}
    everywhere = set()
    for practice in ("P1", "P2", "P3"):
        everywhere |= set(pq.read_table(ws.worklist_path(practice, "hyp-bp-79")).to_pandas()["patient_id"])
    assert everywhere == members["needs_care"] - members["numerator"]


EDGE_PATIENTS = """
    patient_id | date_of_birth | sex | type1_opt_out | family_name
    11 | 1950-01-01 | male | false | Edge
    12 | 1950-01-01 | male | false | Inside
    13 | 1950-01-01 | male | false | Controlled
    14 | 1950-01-01 | male | false | Outside
"""
EDGE_EVENTS = """
    patient_id | date | code | numeric_value
    11 | 2010-01-01 | @diabetes |
    11 | 2023-03-31 | @systolic-bp | 120
    11 | 2023-03-31 | @diastolic-bp | 70
    12 | 2010-01-01 | @diabetes |
    12 | 2023-04-01 | @systolic-bp | 150
    12 | 2023-04-01 | @diastolic-bp | 85
    13 | 2010-01-01 | @diabetes |
    13 | 2023-04-01 | @systolic-bp | 120
    13 | 2023-04-01 | @diastolic-bp | 70
    14 | 2010-01-01 | @diabetes |
    14 | 2023-03-30 | @systolic-bp | 120
    14 | 2023-03-30 | @diastolic-bp | 70
"""


def test_worklist_reason_at_the_edge_of_the_window(tmp_path):
    """dm-bp looks back 12 months from 31 March 2024: a reading on 31 March 2023 is exactly 12
    months old, outside the window (`within` counts d - 12 months < e <= d), so that patient is
    listed as out of date, not as "not done"; a day later it counts."""
    registrations = [
        {"patient_id": str(p), "practice_code": "P1", "start_date": "2000-01-01"} for p in (11, 12, 13, 14)
    ]
    ws = write_snapshot(
        tmp_path / "ws",
        {
            "practices": PRACTICES[:1],
            "patients": table(EDGE_PATIENTS),
            "registrations": registrations,
            "clinical_events": [_codes(r) for r in table(EDGE_EVENTS)],
        },
    )
    run(ws, ["dm-bp"], dates="2024-03-31")
    rows = pq.read_table(ws.worklist_path("P1", "dm-bp")).to_pandas().set_index("patient_id")
    assert rows.loc[11, "reason"] == "out_of_date"  # exactly 12 months old
    assert rows.loc[11, "last_date"] == dt.date(2023, 3, 31)
    assert rows.loc[14, "reason"] == "out_of_date"  # a day older
    assert rows.loc[12, "reason"] == "above_target"  # a day younger: in the window, but 150
    assert 13 not in rows.index  # a day younger and controlled: in the numerator
