"""The EMIS Web adapter on files in the published layouts (headers exactly as published in
endeavourhealth/Transforms, every field quoted, GUIDs in braces), and on bad input."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from gpqi.cdm.sources import EMIS_LAYOUTS
from gpqi.ingest import IngestError, ingest
from tests.ingest.extracts import Extract, baseline
from tests.ingest.helpers import quarantined, rows

AS_OF = date(2025, 6, 30)
AGREEMENT = "{5D5B1A3C-2E4F-4A6B-8C9D-0E1F2A3B4C5D}"
P1, P2 = "{1F0C2B3A-0000-4000-8000-000000000001}", "{1F0C2B3A-0000-4000-8000-000000000002}"


def emis_file(
    folder: Path, processing: int, table: str, rows_: list[dict], stamp: str = "20250629020000"
) -> Path:
    layout = (
        EMIS_LAYOUTS[table][1][0] if table in EMIS_LAYOUTS else ("LocationGuid", "LocationName", "Deleted")
    )
    path = folder / f"{processing}_{table}_{stamp}_{AGREEMENT}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(layout)
        for row in rows_:
            writer.writerow([row.get(c, "") for c in layout])
    return path


def _source(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    Extract(reference=baseline().reference).write(src)
    folder = src / "practices" / "P1"
    folder.mkdir(parents=True)
    emis_file(folder, 1042, "Admin_Patient", [
        {"PatientGuid": P1, "Sex": "F", "DateOfBirth": "1950-05-17", "GivenName": "Ann", "Surname": "Lee",
         "DateOfRegistration": "2001-02-03", "NhsNumber": "943 476 5919", "DummyType": "false", "Deleted": "false"},
        {"PatientGuid": P2, "Sex": "M", "DateOfBirth": "1980-01-02", "DateOfDeath": "2024-03-01",
         "DateOfRegistration": "2005-01-01", "DateOfDeactivation": "2024-03-01", "NhsNumber": "9876543210",
         "DummyType": "false", "Deleted": "false"},
        {"PatientGuid": "{1F0C2B3A-0000-4000-8000-0000000000FF}", "Sex": "U", "DateOfBirth": "1999-09-09",
         "DummyType": "true", "Deleted": "false"},
    ])  # fmt: skip
    emis_file(folder, 1042, "Coding_ClinicalCode", [
        {"CodeId": "11", "Term": "O/E - Systolic BP reading", "SnomedCTConceptId": "163030003",
         "EmisCodeCategoryDescription": "Biological values"},
        {"CodeId": "12", "Term": "Seasonal influenza vaccination", "SnomedCTConceptId": "822851000000102",
         "EmisCodeCategoryDescription": "Immunisations"},
        {"CodeId": "13", "Term": "EMIS local code", "SnomedCTConceptId": "", "EmisCodeCategoryDescription": "Unset"},
    ])  # fmt: skip
    emis_file(
        folder,
        1042,
        "Coding_DrugCode",
        [{"CodeId": "21", "Term": "Atorvastatin 20mg tablets", "DmdProductCodeId": "320000009"}],
    )
    emis_file(folder, 1042, "CareRecord_Observation", [
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000001}", "PatientGuid": P1, "EffectiveDate": "2024-01-10",
         "CodeId": "11", "Value": "150", "NumericUnit": "mmHg", "Deleted": "false"},
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000002}", "PatientGuid": P1, "EffectiveDate": "2023-10-01",
         "CodeId": "12", "Deleted": "false"},
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000003}", "PatientGuid": P1, "EffectiveDate": "2024-01-11",
         "CodeId": "99", "Deleted": "false"},  # row 3: CodeId not in the coding file
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000004}", "PatientGuid": P1, "EffectiveDate": "2024-01-12",
         "CodeId": "13", "Deleted": "false"},  # row 4: no SNOMED CT for the code
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000005}", "PatientGuid": P1, "EffectiveDate": "2024-02-01",
         "CodeId": "11", "Value": "170", "Deleted": "false"},  # deleted by the next extract
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000006}", "PatientGuid": P1, "EffectiveDate": "2024-03-01",
         "CodeId": "11", "Value": "160", "NumericUnit": "mmHg", "Deleted": "false"},  # corrected by the next extract
    ])  # fmt: skip
    emis_file(folder, 1043, "CareRecord_Observation", [
        {"ObservationGuid": "{A0000000-0000-4000-8000-000000000005}", "PatientGuid": P1, "EffectiveDate": "2024-02-01",
         "CodeId": "11", "Value": "170", "Deleted": "true"},
        {"ObservationGuid": "{a0000000-0000-4000-8000-000000000006}", "PatientGuid": P1, "EffectiveDate": "2024-03-01",
         "CodeId": "11", "Value": "135", "NumericUnit": "mmHg", "Deleted": "false"},
    ], stamp="20250630020000")  # fmt: skip
    emis_file(folder, 1042, "Prescribing_IssueRecord", [
        {"IssueRecordGuid": "{B0000000-0000-4000-8000-000000000001}", "PatientGuid": P1, "EffectiveDate": "2024-02-01",
         "CodeId": "21", "Quantity": "28", "Deleted": "false"},
    ])  # fmt: skip
    emis_file(folder, 1042, "Appointment_Session", [
        {"AppointmentSessionGuid": "{C0000000-0000-4000-8000-000000000001}", "SessionTypeDescription": "Telephone triage",
         "Deleted": "false"},
    ])  # fmt: skip
    emis_file(folder, 1042, "Appointment_Slot", [
        {"SlotGuid": "{D0000000-0000-4000-8000-000000000001}", "AppointmentDate": "2024-01-10", "AppointmentStartTime": "09:00:00",
         "PatientGuid": P1, "SendInTime": "09:02:00", "LeftTime": "09:12:00", "DidNotAttend": "false",
         "SessionGuid": "{C0000000-0000-4000-8000-000000000001}", "Deleted": "false"},
        {"SlotGuid": "{D0000000-0000-4000-8000-000000000002}", "AppointmentDate": "2024-01-11", "AppointmentStartTime": "10:30:00",
         "PatientGuid": P1, "DidNotAttend": "true", "Deleted": "false"},
        {"SlotGuid": "{D0000000-0000-4000-8000-000000000003}", "AppointmentDate": "2024-01-12", "AppointmentStartTime": "11:00:00",
         "PatientGuid": "", "DidNotAttend": "false", "Deleted": "false"},  # a free (or cancelled) slot
    ])  # fmt: skip
    emis_file(
        folder, 1042, "Admin_Location", [{"LocationGuid": "{E1}", "LocationName": "Main surgery"}]
    )  # not read
    return src, folder


def test_published_layouts_land_in_the_cdm(tmp_path):
    src, _ = _source(tmp_path)
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.report["formats"]["P1"]["format"] == "emis"
    patients = {r["nhs_number"]: r for r in rows(tmp_path, "patients")}
    assert set(patients) == {"9434765919", "9876543210"}  # the dummy patient is dropped
    assert patients["9434765919"]["sex"] == "female" and patients["9876543210"]["date_of_death"] == date(
        2024, 3, 1
    )
    regs = sorted((r["start_date"], r["end_date"]) for r in rows(tmp_path, "registrations"))
    assert regs == [(date(2001, 2, 3), None), (date(2005, 1, 1), date(2024, 3, 1))]
    events = sorted(
        (r["code"], r["date"], r["numeric_value"], r["unit"]) for r in rows(tmp_path, "clinical_events")
    )
    # the deleted reading is gone; the corrected one has its later value
    assert events == [
        ("163030003", date(2024, 1, 10), 150.0, "mmHg"),
        ("163030003", date(2024, 3, 1), 135.0, "mmHg"),
    ]
    assert [(r["code"], r["date"]) for r in rows(tmp_path, "vaccinations")] == [
        ("822851000000102", date(2023, 10, 1))
    ]
    assert [(r["code"], r["quantity"]) for r in rows(tmp_path, "medications")] == [("320000009", 28.0)]
    appts = sorted(
        (r["start_at"], r["status"], r["mode"], r["booked_at"]) for r in rows(tmp_path, "appointments")
    )
    assert appts == [
        (datetime(2024, 1, 10, 9, 0), "attended", "telephone", None),  # no booking time in EMIS
        (datetime(2024, 1, 11, 10, 30), "did_not_attend", "unknown", None),
    ]
    assert outcome.report["booking_time_unknown"] == {"P1": 2}  # said on lead-time pages
    report = outcome.report["formats"]["P1"]
    assert report["dropped"] == {
        "Admin_Patient dummy patient": 1,
        "Appointment_Slot without a patient (free or cancelled)": 1,
        "CareRecord_Observation deleted": 1,
    }
    assert report["skipped"] == {"Admin_Location": 1}
    got = {(q["row"], q["rule"], q["value"]) for q in quarantined(tmp_path, "source")}
    assert got == {(3, "unknown_code_id", "99"), (4, "no_snomed_code", "13")}
    reasons = {q["rule"]: q["reason"] for q in quarantined(tmp_path, "source")}
    assert reasons["unknown_code_id"] == "CodeId 99 is not in the Coding_ClinicalCode file"


def test_a_truncated_file_quarantines_the_cut_row(tmp_path):
    src, folder = _source(tmp_path)
    path = next(folder.glob("1042_Prescribing_IssueRecord_*.csv"))
    text = path.read_text()
    extra = text.splitlines()[1].replace(
        "B0000000-0000-4000-8000-000000000001", "B0000000-0000-4000-8000-000000000002"
    )
    path.write_text(text + extra[: len(extra) // 3])  # the second row is cut off mid-field
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    (q,) = [q for q in quarantined(tmp_path, "source") if q["rule"] == "malformed_row"]
    assert q["file"] == f"practices/P1/{path.name}" and q["row"] == 2
    assert len(rows(tmp_path, "medications")) == 1


def test_a_wrong_header_is_refused_and_changes_nothing(tmp_path):
    src, folder = _source(tmp_path)
    first = ingest(src, tmp_path / "ws", as_of=AS_OF)
    path = next(folder.glob("1042_Admin_Patient_*.csv"))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0].replace('"NhsNumber"', '"NHSNumber"') + "".join(lines[1:]))
    with pytest.raises(
        IngestError,
        match=r"Admin_Patient.*not a published Admin_Patient layout: missing column\(s\) NhsNumber; unexpected column\(s\) NHSNumber",
    ):
        ingest(src, tmp_path / "ws", as_of=date(2025, 7, 1))
    assert (tmp_path / "ws" / "CURRENT").read_text().strip() == first.snapshot_id


def test_missing_coding_file_is_refused(tmp_path):
    src, folder = _source(tmp_path)
    next(folder.glob("*_Coding_ClinicalCode_*.csv")).unlink()
    with pytest.raises(IngestError, match="CareRecord_Observation needs Coding_ClinicalCode"):
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert not (tmp_path / "ws" / "CURRENT").exists()


def test_the_same_files_again_are_unchanged_and_a_changed_file_is_not(tmp_path):
    src, folder = _source(tmp_path)
    first = ingest(src, tmp_path / "ws", as_of=AS_OF)
    manifest = (tmp_path / "ws" / "snapshots" / first.snapshot_id / "manifest.json").read_text()
    assert "1042_Admin_Patient_" in manifest  # each source file's SHA-256 is recorded
    again = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert (again.status, again.snapshot_id) == ("unchanged", first.snapshot_id)
    emis_file(folder, 1044, "Prescribing_IssueRecord", [
        {"IssueRecordGuid": "{B0000000-0000-4000-8000-000000000001}", "PatientGuid": P1, "EffectiveDate": "2024-02-01",
         "CodeId": "21", "Quantity": "56", "Deleted": "false"},
    ], stamp="20250630030000")  # fmt: skip
    later = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert later.status == "published"
    assert [(r["code"], r["quantity"]) for r in rows(tmp_path, "medications")] == [("320000009", 56.0)]


def test_extracts_apply_in_processing_order_not_name_order(tmp_path):
    # processing id 999 then 1000: by name "1000_…" sorts first, but 1000 is the later extract
    src, folder = _source(tmp_path)
    later = next(folder.glob("1043_CareRecord_Observation_*.csv"))
    later.rename(folder / later.name.replace("1043_", "1000_", 1))
    for path in folder.glob("1042_*.csv"):
        path.rename(folder / path.name.replace("1042_", "999_", 1))
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    events = sorted((r["date"], r["numeric_value"]) for r in rows(tmp_path, "clinical_events"))
    assert events == [(date(2024, 1, 10), 150.0), (date(2024, 3, 1), 135.0)]
