"""Write one synthetic practice as SystmOne Strategic Reporting files (the published layouts
with SNOMED CT columns and RemovedData), Windows-1252, dates `dd MMM yyyy`.

Appointment statuses are ids looked up in SRMapping, as SystmOne sends them; the mode is in
TelephoneAppointment and the rota type's name. A few coded rows are sent and then removed in a
second file (`SRCode_2.csv`, RemovedData set), so the ingest must apply files in order. A type 1
opt-out is the coded entry a GP record holds.
"""

from __future__ import annotations

import csv
from pathlib import Path

from gpqi.cdm.sources import SYSTMONE_ENCODING as ENCODING
from gpqi.cdm.sources import SYSTMONE_LAYOUTS as LAYOUTS
from gpqi.cdm.sources import TYPE1_DISSENT
from gpqi.synth.formats.common import practice_tables

SEX = {"male": "M", "female": "F", "unknown": "U"}
MAPPING = {"attended": 1, "did_not_attend": 2, "cancelled": 3, "unknown": 4}
MAPPING_TEXT = {1: "Finished", 2: "Did Not Attend", 3: "Cancelled by Patient", 4: "Booked"}
ROTA_TYPE = {
    "face_to_face": "Face to face",
    "telephone": "Telephone clinic",
    "video_online": "Video consultation",
    "home_visit": "Home visit",
    "unknown": "Clinic",
}
MISTAKES = 3


def _day(value) -> str | None:
    return None if value is None else value.strftime("%d %b %Y")


def _moment(value) -> str | None:
    return None if value is None else value.strftime("%d %b %Y %H:%M:%S")


def _num(value) -> str | None:
    if value is None:
        return None
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _write(path: Path, table: str, rows: list[dict]) -> None:
    layout = (
        next(layout for layout in LAYOUTS[table] if "RemovedData" in layout)
        if table != "SRMapping"
        else LAYOUTS[table][0]
    )
    with path.open("w", encoding=ENCODING, newline="", errors="replace") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(layout)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in layout])


def write_practice(cdm: Path, out: Path, practice: str) -> None:
    t = practice_tables(cdm)
    out.mkdir(parents=True, exist_ok=True)
    org = practice
    ids = {p: str(i) for i, p in enumerate(t["patients"].column("patient_id").to_pylist(), start=70_001)}
    regs = t["registrations"].to_pylist()
    first_start = {r["patient_id"]: r["start_date"] for r in regs}
    _write(
        out / "SRPatient.csv",
        "SRPatient",
        [
            {
                "RowIdentifier": ids[p["patient_id"]], "IDOrganisationVisibleTo": org, "FirstName": p["given_name"],
                "Surname": p["family_name"], "NHSNumber": p["nhs_number"], "DateBirth": _day(p["date_of_birth"]),
                "DateDeath": _day(p["date_of_death"]), "Gender": SEX[p["sex"]], "TestPatient": "N", "SpineMatched": "Y",
                "RemovedData": "0",
            }
            for p in t["patients"].to_pylist()
        ],
    )  # fmt: skip
    _write(
        out / "SRPatientRegistration.csv",
        "SRPatientRegistration",
        [
            {
                "RowIdentifier": str(900_000 + i), "IDOrganisationVisibleTo": org, "DateRegistration": _day(r["start_date"]),
                "DateDeRegistration": _day(r["end_date"]), "RegistrationStatus": "GMS", "IDPatient": ids[r["patient_id"]],
                "IDOrganisation": org, "IDOrganisationRegisteredAt": org, "RemovedData": "0",
            }
            for i, r in enumerate(regs)
        ],
    )  # fmt: skip
    codes = [
        {
            "RowIdentifier": str(1_000_000 + i), "IDOrganisationVisibleTo": org, "DateEvent": _day(e["date"]),
            "SNOMEDCode": e["code"], "IsNumeric": "Y" if e["numeric_value"] is not None else "N",
            "NumericValue": _num(e["numeric_value"]), "NumericUnit": e["unit"] if e["numeric_value"] is not None else None,
            "IDPatient": ids[e["patient_id"]], "IDOrganisation": org, "IDOrganisationRegisteredAt": org, "RemovedData": "0",
        }
        for i, e in enumerate(t["clinical_events"].to_pylist())
    ]  # fmt: skip
    for p in t["patients"].to_pylist():
        if p["type1_opt_out"]:
            codes.append(
                {"RowIdentifier": f"8{p['patient_id']}", "DateEvent": _day(first_start[p["patient_id"]]),
                 "SNOMEDCode": TYPE1_DISSENT, "IsNumeric": "N", "IDPatient": ids[p["patient_id"]],
                 "IDOrganisation": org, "RemovedData": "0"}
            )  # fmt: skip
    mistakes = [dict(c, RowIdentifier=f"9{i}{c['RowIdentifier']}") for i, c in enumerate(codes[:MISTAKES])]
    _write(out / "SRCode.csv", "SRCode", codes + mistakes)
    _write(out / "SRCode_2.csv", "SRCode", [dict(m, RemovedData="1") for m in mistakes])
    _write(
        out / "SRImmunisation.csv",
        "SRImmunisation",
        [
            {"RowIdentifier": str(2_000_000 + i), "DateEvent": _day(v["date"]), "ImmsSNOMEDCode": v["code"],
             "VaccinationStatus": "Given", "IDPatient": ids[v["patient_id"]], "IDOrganisation": org,
             "IDOrganisationRegisteredAt": org, "RemovedData": "0"}
            for i, v in enumerate(t["vaccinations"].to_pylist())
        ],
    )  # fmt: skip
    _write(
        out / "SRPrimaryCareMedication.csv",
        "SRPrimaryCareMedication",
        [
            {"RowIdentifier": str(3_000_000 + i), "DateEvent": _day(m["date"]), "IDMultiLexDMD": m["code"],
             "NameOfMedication": f"product {m['code']}",
             "MedicationQuantity": None if m["quantity"] is None else f"{_num(m['quantity'])} dose",
             "IDPatient": ids[m["patient_id"]], "IDOrganisation": org, "RemovedData": "0"}
            for i, m in enumerate(t["medications"].to_pylist())
        ],
    )  # fmt: skip
    _write(
        out / "SRAppointment.csv",
        "SRAppointment",
        [
            {"RowIdentifier": str(a["appointment_id"]), "IDOrganisationVisibleTo": org, "DateStart": _moment(a["start_at"]),
             "AppointmentStatus": str(MAPPING[a["status"]]), "DateAppointmentBooked": _moment(a["booked_at"]),
             "TelephoneAppointment": "Y" if a["mode"] == "telephone" else "N", "RotaType": ROTA_TYPE[a["mode"]],
             "IDPatient": ids[a["patient_id"]], "IDOrganisation": org, "RemovedData": "0"}
            for a in t["appointments"].to_pylist()
        ],
    )  # fmt: skip
    _write(
        out / "SRMapping.csv",
        "SRMapping",
        [{"RowIdentifier": str(k), "IdMappingGroup": "8", "Mapping": v} for k, v in MAPPING_TEXT.items()],
    )
