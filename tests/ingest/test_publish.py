"""What a publish writes, how patients merge, re-ingest, one-practice replacement and retention."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gpqi.cdm import SCHEMAS, TABLES
from gpqi.ingest import IngestError, ingest
from gpqi.ingest import history as ingest_history
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, Extract, appointment, baseline, event
from tests.ingest.helpers import quarantined, rows, run, snapshot


def stored(schema: pa.Schema) -> pa.Schema:
    """The CDM schema as Parquet keeps it: Parquet has no seconds unit, so timestamps come back in ms."""
    return pa.schema(
        [
            pa.field(f.name, pa.timestamp("ms"), f.nullable) if pa.types.is_timestamp(f.type) else f
            for f in schema
        ]
    )


def only(ex: Extract, *codes: str, reference: bool = False) -> Extract:
    """A partial extract: some practices, with or without the reference tables."""
    part = ex.copy()
    part.practices = {c: part.practices[c] for c in codes}
    if not reference:
        part.reference = {}
    return part


def test_snapshot_layout_schemas_and_manifest(tmp_path):
    ex = baseline()
    outcome = run(tmp_path, ex)
    snap = snapshot(tmp_path)
    assert snap.name == outcome.snapshot_id
    ws = open_workspace(tmp_path / "ws")
    for table in TABLES:
        files = ws.table_files(table)
        assert files, table
        for f in files:
            assert pq.read_schema(f) == stored(SCHEMAS[table]), f  # exactly: names, order, types, nullability
            pq.read_table(f).cast(SCHEMAS[table])  # and the values fit the CDM types
    assert [f.name for f in ws.table_files("clinical_events")] == ["P1.parquet", "P2.parquet"]

    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["snapshot_id"] == snap.name and manifest["created_at"]
    assert manifest["as_of"] == AS_OF.isoformat()
    for table in TABLES:
        actual = sum(pq.ParquetFile(f).metadata.num_rows for f in ws.table_files(table))
        assert manifest["tables"][table]["rows"] == actual
    expected_events = len(ex.practices["P1"]["clinical_events"])
    assert manifest["practices"]["P1"]["rows"]["clinical_events"] == expected_events
    assert set(manifest["practices"]["P1"]["fingerprints"]) == {
        "patients",
        "registrations",
        "clinical_events",
        "medications",
        "vaccinations",
        "appointments",
    }
    report = json.loads((snap / "report.json").read_text())
    assert report == outcome.report
    assert report["tables"]["clinical_events"] == {"read": 6, "loaded": 6, "quarantined": 0, "rules": {}}
    # nothing is left in staging
    assert list((tmp_path / "ws" / "staging").iterdir()) == []


def test_a_patient_in_two_practices_is_one_row(tmp_path):
    run(tmp_path, baseline())
    patients = rows(tmp_path, "patients")
    assert sorted(p["patient_id"] for p in patients) == [1, 2, 3, 4]  # patient 3 is in P1 and P2
    report = json.loads((snapshot(tmp_path) / "report.json").read_text())
    assert report["patients"] == {"published": 4, "conflicts": {"patients": 0, "fields": {}, "practices": {}}}


@pytest.mark.parametrize(("p1_start", "winner"), [(date(2010, 1, 1), "P2"), (date(2022, 1, 1), "P1")])
def test_conflicting_patient_rows_take_the_latest_registration(tmp_path, p1_start, winner):
    ex = baseline()
    ex.practices["P1"]["patients"][2]["family_name"] = "Before"
    ex.practices["P2"]["patients"][0]["family_name"] = "After"
    ex.practices["P1"]["registrations"][2].update(start_date=p1_start, end_date=None)
    outcome = run(tmp_path, ex)
    (merged,) = rows(tmp_path, "patients", "patient_id = 3")
    assert merged["family_name"] == {"P1": "Before", "P2": "After"}[winner]
    assert outcome.report["patients"]["conflicts"] == {
        "patients": 1,
        "fields": {"family_name": 1},
        "practices": {"P1": 1, "P2": 1},
    }
    kept = pq.read_table(snapshot(tmp_path) / "quarantine" / "patient_conflicts.parquet").to_pylist()
    assert {(r["practice_code"], r["chosen"], r["family_name"]) for r in kept} == {
        ("P1", winner == "P1", "Before"),
        ("P2", winner == "P2", "After"),
    }
    # the merged row is in the winner's file
    ws = open_workspace(tmp_path / "ws")
    owner = [f.stem for f in ws.table_files("patients") if 3 in pq.read_table(f)["patient_id"].to_pylist()]
    assert owner == [winner]


def test_reingesting_the_same_extract_publishes_nothing(tmp_path):
    ex = baseline()
    first = run(tmp_path, ex)
    src = tmp_path / "again"
    ex.write(src)  # the same content in another folder
    second = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert (second.status, second.snapshot_id) == ("unchanged", first.snapshot_id)
    assert second.report == first.report
    assert [p.name for p in (tmp_path / "ws" / "snapshots").iterdir()] == [first.snapshot_id]
    outcomes = [e["outcome"] for e in ingest_history.entries(open_workspace(tmp_path / "ws"))]
    assert outcomes == ["published", "unchanged"]
    # a different as-of date can change what is quarantined, so it is a new snapshot
    third = ingest(src, tmp_path / "ws", as_of=AS_OF + timedelta(days=1))
    assert third.status == "published"


def test_one_changed_byte_is_a_new_snapshot(tmp_path):
    ex = baseline()
    first = run(tmp_path, ex)
    ex.practices["P2"]["clinical_events"][0]["numeric_value"] = 1.0
    second = run(tmp_path, ex)
    assert second.status == "published" and second.snapshot_id != first.snapshot_id
    assert second.previous_snapshot_id == first.snapshot_id


def test_one_practice_replaces_only_its_own_data(tmp_path):
    ex = baseline()
    first = run(tmp_path, ex)
    old = snapshot(tmp_path)
    ex.practices["P1"]["clinical_events"].append(event(1, "P1", date(2025, 1, 1)))
    second = run(tmp_path, only(ex, "P1"))
    new = snapshot(tmp_path)
    assert new.name == second.snapshot_id != first.snapshot_id

    assert len(rows(tmp_path, "clinical_events", "practice_code = 'P1'")) == 5
    # P2 and the reference tables are the very same files (hard links), not copies
    for rel in [
        "clinical_events/P2.parquet",
        "appointments/P2.parquet",
        "practice_patients/P2.parquet",
        "practices/practices.parquet",
        "organisations/organisations.parquet",
    ]:
        assert (new / rel).stat().st_ino == (old / rel).stat().st_ino, rel
    assert (new / "clinical_events/P1.parquet").stat().st_ino != (
        old / "clinical_events/P1.parquet"
    ).stat().st_ino
    report = second.report
    assert report["practices"]["P2"]["status"] == "carried"
    assert report["practices"]["P2"]["ingested_in"] == first.snapshot_id
    assert report["reference"]["practices"]["status"] == "carried"
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["practices"]["P2"] == json.loads((old / "manifest.json").read_text())["practices"]["P2"]
    assert sorted(p["patient_id"] for p in rows(tmp_path, "patients")) == [1, 2, 3, 4]
    # and sending that one practice again is a no-op
    assert run(tmp_path, only(ex, "P1")).status == "unchanged"


def test_new_reference_revalidates_the_kept_one(tmp_path):
    ex = baseline()
    run(tmp_path, ex)
    part = only(ex)
    part.reference = {
        "organisations": ex.reference["organisations"]
        + [{"org_code": "NET2", "name": "Network two", "type": "network", "parent_code": "SUB1"}]
    }
    outcome = run(tmp_path, part)
    assert outcome.report["reference"]["organisations"]["status"] == "new"
    assert outcome.report["reference"]["practices"]["status"] == "revalidated"
    assert len(rows(tmp_path, "organisations")) == 7 and len(rows(tmp_path, "practices")) == 2


def test_removing_a_practice_needs_saying_so(tmp_path):
    ex = baseline()
    run(tmp_path, ex)
    part = only(ex, "P1", reference=True)
    part.reference["practices"] = [p for p in part.reference["practices"] if p["practice_code"] == "P1"]
    before = open_workspace(tmp_path / "ws").current_snapshot_id()
    with pytest.raises(IngestError, match="--drop-practice P2"):
        run(tmp_path, part)
    assert open_workspace(tmp_path / "ws").current_snapshot_id() == before

    outcome = run(tmp_path, part, drop_practices=["P2"])
    assert sorted(outcome.report["practices"]) == ["P1"]
    assert not rows(tmp_path, "clinical_events", "practice_code = 'P2'")
    assert sorted(p["patient_id"] for p in rows(tmp_path, "patients")) == [1, 2, 3]
    with pytest.raises(IngestError, match="has no practice P7"):
        run(tmp_path, only(ex, "P1"), drop_practices=["P7"])


def test_appointment_id_taken_by_a_kept_practice(tmp_path):
    ex = baseline()
    run(tmp_path, ex)
    ex.practices["P1"]["appointments"].append(
        appointment(2001, "P1", 1, datetime(2024, 8, 1, 9), datetime(2024, 8, 2, 9))
    )
    run(tmp_path, only(ex, "P1"))
    q = quarantined(tmp_path, "appointments")
    assert [(r["file"], r["row"], r["rule"]) for r in q] == [
        ("practices/P1/appointments.parquet", 3, "duplicate_key_other_practice")
    ]
    assert rows(tmp_path, "appointments", "appointment_id = 2001")[0]["practice_code"] == "P2"


def test_kept_practice_warned_when_its_patients_dates_change(tmp_path):
    ex = baseline()
    run(tmp_path, ex)
    # patient 3 re-registers at P1 (latest start now at P1), whose row now records a death
    ex.practices["P1"]["registrations"].append(
        {"patient_id": 3, "practice_code": "P1", "start_date": date(2023, 1, 1), "end_date": None}
    )
    ex.practices["P1"]["patients"][2]["date_of_death"] = date(2024, 1, 1)
    outcome = run(tmp_path, only(ex, "P1"))
    assert rows(tmp_path, "patients", "patient_id = 3")[0]["date_of_death"] == date(2024, 1, 1)
    warnings = [w for w in outcome.report["warnings"] if "practice P2 was kept" in w]
    assert len(warnings) == 1 and "1 of its patients" in warnings[0]


def test_old_snapshots_are_pruned(tmp_path):
    ex = baseline()
    run(tmp_path, ex)
    ws = open_workspace(tmp_path / "ws")
    ws.config_path.write_text(ws.config_path.read_text().replace("keep_snapshots = 5", "keep_snapshots = 2"))
    ids = []
    for i in range(3):
        ex.practices["P2"]["clinical_events"][0]["numeric_value"] = float(i)
        ids.append(run(tmp_path, ex).snapshot_id)
    assert {p.name for p in ws.snapshots_dir.iterdir()} == set(ids[1:])  # the oldest went
    assert ws.current_snapshot_id() == ids[-1]


def test_a_hand_built_snapshot_is_left_alone(tmp_path):
    """Snapshots not made by the ingest (e.g. test fixtures) are neither carried from nor deleted."""
    ws_root = tmp_path / "ws"
    run(tmp_path, baseline())
    ws = open_workspace(ws_root)
    hand = ws.snapshots_dir / "hand-made"
    shutil.copytree(ws.current_snapshot(), hand)
    (hand / "manifest.json").unlink()
    ws.set_current_snapshot("hand-made")
    outcome = run(tmp_path, only(baseline(), "P1", reference=True))
    assert outcome.previous_snapshot_id is None
    assert hand.is_dir()
    assert sorted(outcome.report["practices"]) == ["P1"]
