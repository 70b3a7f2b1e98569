"""The SystmOne adapter on SR files in the published layouts (Windows-1252, `dd MMM yyyy`), and
on bad input."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from gpqi.cdm.sources import SYSTMONE_LAYOUTS
from gpqi.ingest import IngestError, ingest
from tests.ingest.extracts import Extract, baseline
from tests.ingest.helpers import quarantined, rows

AS_OF = date(2025, 6, 30)


def sr_file(folder: Path, table: str, rows_: list[dict], name: str | None = None, layout: int = 1) -> Path:
    columns = SYSTMONE_LAYOUTS[table][min(layout, len(SYSTMONE_LAYOUTS[table]) - 1)]
    path = folder / (name or f"{table}.csv")
    with path.open("w", encoding="cp1252", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows_:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def _source(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src"
    Extract(reference=baseline().reference).write(src)
    folder = src / "practices" / "P1"
    folder.mkdir(parents=True)
    sr_file(folder, "SRPatient", [
        {"RowIdentifier": "501", "FirstName": "Zoë", "Surname": "Brontë", "NHSNumber": "9434765919",
         "DateBirth": "17 May 1950", "Gender": "F", "RemovedData": "0"},
        {"RowIdentifier": "502", "NHSNumber": "9876543210", "DateBirth": "02 Jan 1980", "DateDeath": "01 Mar 2024",
         "Gender": "M", "RemovedData": "0"},
    ], layout=2)  # fmt: skip
    sr_file(folder, "SRPatientRegistration", [
        {"RowIdentifier": "1", "DateRegistration": "03 Feb 2001", "IDPatient": "501", "IDOrganisation": "P1"},
        {"RowIdentifier": "2", "DateRegistration": "01 Jan 2005", "DateDeRegistration": "01 Mar 2024", "IDPatient": "502"},
    ])  # fmt: skip
    sr_file(folder, "SRCode", [
        {"RowIdentifier": "11", "DateEvent": "10 Jan 2024 09:15:00", "CTV3Code": "XaJ2E", "SNOMEDCode": "163030003",
         "IsNumeric": "Y", "NumericValue": "150", "NumericUnit": "mmHg", "IDPatient": "501", "RemovedData": "0"},
        {"RowIdentifier": "12", "DateEvent": "11 Jan 2024", "CTV3Code": "XE0Uc", "SNOMEDCode": "",
         "IDPatient": "501", "RemovedData": "0"},  # row 2: CTV3 only
        {"RowIdentifier": "13", "DateEvent": "12 Jan 2024", "SNOMEDCode": "271649006", "NumericValue": "140",
         "IDPatient": "501", "RemovedData": "0"},  # removed by the next file
    ], layout=1)  # fmt: skip
    sr_file(
        folder,
        "SRCode",
        [{"RowIdentifier": "13", "IDPatient": "501", "RemovedData": "1"}],
        name="SRCode_2.csv",
        layout=1,
    )
    sr_file(folder, "SRImmunisation", [
        {"RowIdentifier": "21", "DateEvent": "01 Oct 2023", "ImmsSNOMEDCode": "822851000000102", "IDPatient": "501",
         "RemovedData": "0"},
    ])  # fmt: skip
    sr_file(folder, "SRPrimaryCareMedication", [
        {"RowIdentifier": "31", "DateEvent": "01 Feb 2024", "IDMultiLexDMD": "320000009", "MedicationQuantity": "28 tablet",
         "IDPatient": "501", "RemovedData": "0"},
    ])  # fmt: skip
    sr_file(folder, "SRAppointment", [
        {"RowIdentifier": "41", "DateStart": "10 Jan 2024 09:00:00", "AppointmentStatus": "7",
         "DateAppointmentBooked": "02 Jan 2024 14:30:00", "TelephoneAppointment": "N", "RotaType": "Face to face",
         "IDPatient": "501", "RemovedData": "0"},
        {"RowIdentifier": "42", "DateStart": "11 Jan 2024 10:30:00", "AppointmentStatus": "8",
         "DateAppointmentBooked": "11 Jan 2024 08:00:00", "TelephoneAppointment": "Y", "IDPatient": "501", "RemovedData": "0"},
        {"RowIdentifier": "43", "DateStart": "12 Jan 2024 10:30:00", "AppointmentStatus": "99",
         "DateAppointmentBooked": "11 Jan 2024 08:00:00", "IDPatient": "501", "RemovedData": "0"},  # row 3: unmapped status
    ])  # fmt: skip
    sr_file(folder, "SRMapping", [
        {"RowIdentifier": "7", "IdMappingGroup": "8", "Mapping": "Finished"},
        {"RowIdentifier": "8", "IdMappingGroup": "8", "Mapping": "Did Not Attend"},
    ])  # fmt: skip
    return src, folder


def test_published_layouts_land_in_the_cdm(tmp_path):
    src, _ = _source(tmp_path)
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.report["formats"]["P1"]["format"] == "systmone"
    patients = {r["nhs_number"]: r for r in rows(tmp_path, "patients")}
    assert (patients["9434765919"]["given_name"], patients["9434765919"]["family_name"]) == (
        "Zoë",
        "Brontë",
    )  # cp1252
    assert patients["9434765919"]["date_of_birth"] == date(1950, 5, 17)
    assert patients["9876543210"]["date_of_death"] == date(2024, 3, 1)
    assert sorted((r["start_date"], r["end_date"]) for r in rows(tmp_path, "registrations")) == [
        (date(2001, 2, 3), None),
        (date(2005, 1, 1), date(2024, 3, 1)),
    ]
    events = [(r["code"], r["date"], r["numeric_value"]) for r in rows(tmp_path, "clinical_events")]
    assert events == [("163030003", date(2024, 1, 10), 150.0)]  # the removed row is gone
    assert [(r["code"], r["date"]) for r in rows(tmp_path, "vaccinations")] == [
        ("822851000000102", date(2023, 10, 1))
    ]
    assert [(r["code"], r["quantity"]) for r in rows(tmp_path, "medications")] == [("320000009", 28.0)]
    appts = sorted(
        (r["start_at"], r["booked_at"], r["status"], r["mode"]) for r in rows(tmp_path, "appointments")
    )
    assert appts == [
        (datetime(2024, 1, 10, 9, 0), datetime(2024, 1, 2, 14, 30), "attended", "face_to_face"),
        (datetime(2024, 1, 11, 10, 30), datetime(2024, 1, 11, 8, 0), "did_not_attend", "telephone"),
    ]
    got = {(q["file"], q["row"], q["rule"]) for q in quarantined(tmp_path, "source")}
    assert got == {
        ("practices/P1/SRCode.csv", 2, "ctv3_only"),
        ("practices/P1/SRAppointment.csv", 3, "unknown_code_id"),
    }
    (ctv3,) = [q for q in quarantined(tmp_path, "source") if q["rule"] == "ctv3_only"]
    assert ctv3["reason"] == "the row has only a CTV3 code (CTV3Code) and no SNOMED CT code (SNOMEDCode)"
    assert outcome.report["formats"]["P1"]["dropped"] == {"SRCode removed": 1}


def test_a_date_not_in_systmone_form_is_quarantined_by_the_cdm_rules(tmp_path):
    src, folder = _source(tmp_path)
    sr_file(folder, "SRImmunisation", [
        {"RowIdentifier": "21", "DateEvent": "2023/10/01", "ImmsSNOMEDCode": "822851000000102", "IDPatient": "501", "RemovedData": "0"},
    ])  # fmt: skip
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    (q,) = quarantined(tmp_path, "vaccinations")
    assert (q["file"], q["row"], q["rule"], q["field"], q["value"]) == (
        "practices/P1/SRImmunisation.csv",
        1,
        "type",
        "date",
        "2023/10/01",
    )


def test_a_wrong_header_is_refused(tmp_path):
    src, folder = _source(tmp_path)
    path = folder / "SRMapping.csv"
    path.write_text("RowIdentifier,IDMappingGroup,Mapping\n7,8,Finished\n", encoding="cp1252")
    with pytest.raises(IngestError, match=r"SRMapping.csv: the header is not a published SRMapping layout"):
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert not (tmp_path / "ws" / "CURRENT").exists()


def test_a_truncated_file_quarantines_the_cut_row(tmp_path):
    src, folder = _source(tmp_path)
    path = folder / "SRPrimaryCareMedication.csv"
    data = path.read_bytes()
    second = data.splitlines()[1].replace(b'"31"', b'"32"').replace(b"31,", b"32,", 1)
    path.write_bytes(data + second[: len(second) // 3])  # the export stopped mid-row
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.status == "published"
    (q,) = [q for q in quarantined(tmp_path, "source") if q["rule"] == "malformed_row"]
    assert (q["file"], q["row"]) == ("practices/P1/SRPrimaryCareMedication.csv", 2)
    assert "fields" in q["reason"]
    assert [(r["code"], r["date"]) for r in rows(tmp_path, "medications")] == [
        ("320000009", date(2024, 2, 1))
    ]
