"""Write one synthetic practice as an EMIS Web bulk extract (the published 5.4 layouts).

Files are named `<ProcessingId>_<Schema>_<Table>_<yyyyMMddHHmmss>_<SharingAgreementGuid>.csv`,
every field quoted, GUIDs in braces. Two extracts are written, as a feed sends them: the first
holds everything plus a few observations entered by mistake; the second, with a later
processing id, marks those as Deleted (so the ingest must apply the extracts in order).
Vaccinations are Observations whose code is in the Immunisations category; a type 1 opt-out is
the coded Observation a GP record holds. Cancelled bookings are not written: in EMIS a cancelled
booking frees the slot. Slots carry no booking time; sessions are named by the mode.
"""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from gpqi.cdm.sources import EMIS_LAYOUTS as LAYOUTS
from gpqi.cdm.sources import TYPE1_DISSENT
from gpqi.synth.formats.common import practice_tables

SHARING_AGREEMENT = "{8E0C5E7A-2B1D-4F5B-9C0A-6D3F1B2E4A71}"
FIRST_EXTRACT, SECOND_EXTRACT = 1042, 1043
STAMPS = {FIRST_EXTRACT: "20260331020000", SECOND_EXTRACT: "20260401020000"}
SESSION_TYPE = {
    "face_to_face": "Face to face",
    "telephone": "Telephone",
    "video_online": "Video consultation",
    "home_visit": "Home visit",
    "unknown": "Timed appointments",
}
SEX = {"male": "M", "female": "F", "unknown": "U"}
_NAMESPACE = uuid.UUID("0b3c9a4e-7d21-4f6a-8e55-2c1d9f0a3b67")
MISTAKES = 3  # observations entered in error, deleted by the second extract


def guid(*parts: object) -> str:
    return "{" + str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts)))).upper() + "}"


def _file(out: Path, processing_id: int, table: str) -> Path:
    return out / f"{processing_id}_{table}_{STAMPS[processing_id]}_{SHARING_AGREEMENT}.csv"


def _write(path: Path, table: str, rows: list[dict]) -> None:
    columns = LAYOUTS[table][1][0]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])


def _num(value) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def write_practice(cdm: Path, out: Path, practice: str) -> None:
    t = practice_tables(cdm)
    out.mkdir(parents=True, exist_ok=True)
    org = guid("organisation", practice)
    pids = {p: guid(practice, "patient", p) for p in t["patients"].column("patient_id").to_pylist()}
    registrations = {r["patient_id"]: r for r in t["registrations"].to_pylist()}

    patients = []
    opted = []
    for p in t["patients"].to_pylist():
        reg = registrations.get(p["patient_id"], {})
        patients.append(
            {
                "PatientGuid": pids[p["patient_id"]],
                "OrganisationGuid": org,
                "Sex": SEX[p["sex"]],
                "DateOfBirth": p["date_of_birth"].isoformat(),
                "DateOfDeath": p["date_of_death"].isoformat() if p["date_of_death"] else None,
                "GivenName": p["given_name"],
                "Surname": p["family_name"],
                "DateOfRegistration": reg["start_date"].isoformat() if reg.get("start_date") else None,
                "DateOfDeactivation": reg["end_date"].isoformat() if reg.get("end_date") else None,
                "NhsNumber": p["nhs_number"],
                "PatientTypeDescription": "Regular",
                "DummyType": "false",
                "Deleted": "false",
                "IsConfidential": "false",
                "ProcessingId": str(FIRST_EXTRACT),
            }
        )
        if p["type1_opt_out"]:
            opted.append((p["patient_id"], reg["start_date"]))
    _write(_file(out, FIRST_EXTRACT, "Admin_Patient"), "Admin_Patient", patients)
    _write(
        _file(out, FIRST_EXTRACT, "Admin_Organisation"),
        "Admin_Organisation",
        [
            {
                "OrganisationGuid": org,
                "OrganisationName": practice,
                "ODSCode": practice,
                "ProcessingId": str(FIRST_EXTRACT),
            }
        ],
    )

    codes: dict[tuple[str, str], int] = {}

    def code_id(code: str, category: str) -> int:
        return codes.setdefault((code, category), 100_000 + len(codes))

    observations = []

    def observation(oid: str, pid: int, day: str, code: str, category: str, value=None, unit=None) -> None:
        observations.append(
            {
                "ObservationGuid": oid,
                "PatientGuid": pids[pid],
                "OrganisationGuid": org,
                "EffectiveDate": day,
                "EffectiveDatePrecision": "YMD",
                "CodeId": str(code_id(code, category)),
                "Value": _num(value),
                "NumericUnit": unit if value is not None else None,
                "ObservationType": "Value" if value is not None else "Observation",
                "Deleted": "false",
                "IsConfidential": "false",
                "ProcessingId": str(FIRST_EXTRACT),
            }
        )

    for n, e in enumerate(t["clinical_events"].to_pylist()):
        observation(guid(practice, "obs", n), e["patient_id"], e["date"].isoformat(), e["code"],
                    "Health management, screening and monitoring", e["numeric_value"], e["unit"])  # fmt: skip
    for n, v in enumerate(t["vaccinations"].to_pylist()):
        observation(
            guid(practice, "imm", n), v["patient_id"], v["date"].isoformat(), v["code"], "Immunisations"
        )
    for pid, start in opted:
        observation(guid(practice, "optout", pid), pid, start.isoformat(), TYPE1_DISSENT, "Administration, documents and attachments")  # fmt: skip
    mistakes = [
        dict(o, ObservationGuid=guid(practice, "mistake", i)) for i, o in enumerate(observations[:MISTAKES])
    ]
    _write(
        _file(out, FIRST_EXTRACT, "CareRecord_Observation"), "CareRecord_Observation", observations + mistakes
    )
    _write(
        _file(out, SECOND_EXTRACT, "CareRecord_Observation"),
        "CareRecord_Observation",
        [dict(m, Deleted="true", ProcessingId=str(SECOND_EXTRACT)) for m in mistakes],
    )
    _write(
        _file(out, FIRST_EXTRACT, "Coding_ClinicalCode"),
        "Coding_ClinicalCode",
        [
            {"CodeId": str(i), "Term": f"code {code}", "SnomedCTConceptId": code,
             "EmisCodeCategoryDescription": category, "ProcessingId": str(FIRST_EXTRACT)}
            for (code, category), i in codes.items()
        ],
    )  # fmt: skip

    drugs: dict[str, int] = {}
    issues = []
    for n, m in enumerate(t["medications"].to_pylist()):
        issues.append(
            {
                "IssueRecordGuid": guid(practice, "issue", n),
                "PatientGuid": pids[m["patient_id"]],
                "OrganisationGuid": org,
                "DrugRecordGuid": guid(practice, "drug", m["patient_id"], m["code"]),
                "EffectiveDate": m["date"].isoformat(),
                "EffectiveDatePrecision": "YMD",
                "CodeId": str(drugs.setdefault(m["code"], 500_000 + len(drugs))),
                "Quantity": _num(m["quantity"]),
                "IsConfidential": "false",
                "Deleted": "false",
                "ProcessingId": str(FIRST_EXTRACT),
            }
        )
    _write(_file(out, FIRST_EXTRACT, "Prescribing_IssueRecord"), "Prescribing_IssueRecord", issues)
    _write(
        _file(out, FIRST_EXTRACT, "Coding_DrugCode"),
        "Coding_DrugCode",
        [{"CodeId": str(i), "Term": f"product {c}", "DmdProductCodeId": c, "ProcessingId": str(FIRST_EXTRACT)}
         for c, i in drugs.items()],
    )  # fmt: skip

    sessions: dict[tuple[str, str], str] = {}
    slots = []
    for a in t["appointments"].to_pylist():
        if a["status"] == "cancelled":
            continue
        day = a["start_at"].date().isoformat()
        session = sessions.setdefault((day, a["mode"]), guid(practice, "session", day, a["mode"]))
        slots.append(
            {
                "SlotGuid": guid(practice, "slot", a["appointment_id"]),
                "AppointmentDate": day,
                "AppointmentStartTime": a["start_at"].strftime("%H:%M:%S"),
                "PlannedDurationInMinutes": "10",
                "PatientGuid": pids[a["patient_id"]],
                "SendInTime": a["start_at"].strftime("%H:%M:%S") if a["status"] == "attended" else None,
                "LeftTime": None,
                "DidNotAttend": "true" if a["status"] == "did_not_attend" else "false",
                "OrganisationGuid": org,
                "SessionGuid": session,
                "Deleted": "false",
                "ProcessingId": str(FIRST_EXTRACT),
            }
        )
    _write(_file(out, FIRST_EXTRACT, "Appointment_Slot"), "Appointment_Slot", slots)
    _write(
        _file(out, FIRST_EXTRACT, "Appointment_Session"),
        "Appointment_Session",
        [
            {"AppointmentSessionGuid": g, "Description": SESSION_TYPE[mode], "SessionTypeDescription": SESSION_TYPE[mode],
             "StartDate": day, "OrganisationGuid": org, "Private": "false", "Deleted": "false",
             "ProcessingId": str(FIRST_EXTRACT)}
            for (day, mode), g in sessions.items()
        ],
    )  # fmt: skip
