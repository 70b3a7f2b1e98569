"""Write one synthetic practice as a FHIR R4 (UK Core) Bulk Data export: NDJSON by resource type.

Patients carry their registrations in GP Connect's registration details extension; clinical
events become Observations (SNOMED CT), medications MedicationRequests (dm+d), vaccinations
Immunizations, appointments Appointments with the UK Core delivery-channel extension. Logical
ids are per practice (as each clinical system has its own), so a patient who moved has two
Patient resources, matched again by NHS number on ingest. A type 1 opt-out is written the way a
GP record holds it: a coded entry. Large types are split into numbered files, as bulk exports do.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gpqi.cdm.sources import TYPE1_DISSENT
from gpqi.synth.formats.common import practice_tables

SNOMED = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
REGISTRATION = "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1"
DELIVERY_CHANNEL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel"
CHANNEL_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-DeliveryChannel"
CLINIC_TIME = ZoneInfo("Europe/London")
LINES_PER_FILE = 400_000
STATUS = {"attended": "fulfilled", "did_not_attend": "noshow", "cancelled": "cancelled", "unknown": "booked"}
CHANNEL = {
    "face_to_face": "In-person",
    "home_visit": "In-person",
    "telephone": "Telephone",
    "video_online": "Video",
}
_NAMESPACE = uuid.UUID("6f1c1d2e-5b7a-4c39-9a51-3f0c2d8e7b14")


def logical_id(practice: str, patient_id: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{practice}/{patient_id}"))


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=CLINIC_TIME).isoformat()


class _Writer:
    """NDJSON files of one resource type, split every LINES_PER_FILE lines."""

    def __init__(self, folder: Path, kind: str) -> None:
        self.folder, self.kind, self.lines, self.part, self.fh = folder, kind, 0, 1, None

    def write(self, resource: dict) -> None:
        if self.fh is None or self.lines >= LINES_PER_FILE:
            if self.fh is not None:
                self.fh.close()
                self.part += 1
            name = f"{self.kind}.ndjson" if self.part == 1 else f"{self.kind}.{self.part}.ndjson"
            self.fh = (self.folder / name).open("w", encoding="utf-8")
            self.lines = 0
        self.fh.write(json.dumps(resource, separators=(",", ":")) + "\n")
        self.lines += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def write_practice(cdm: Path, out: Path, practice: str) -> None:
    t = practice_tables(cdm)
    out.mkdir(parents=True, exist_ok=True)
    ids = {pid: logical_id(practice, pid) for pid in t["patients"].column("patient_id").to_pylist()}
    periods: dict[int, list[dict]] = {}
    for row in t["registrations"].to_pylist():
        period = {"start": row["start_date"].isoformat()}
        if row["end_date"] is not None:
            period["end"] = row["end_date"].isoformat()
        periods.setdefault(row["patient_id"], []).append(period)

    patients = _Writer(out, "Patient")
    observations = _Writer(out, "Observation")
    for row in t["patients"].to_pylist():
        rid = ids[row["patient_id"]]
        resource = {
            "resourceType": "Patient",
            "id": rid,
            "extension": [
                {"url": REGISTRATION, "extension": [{"url": "registrationPeriod", "valuePeriod": p}]}
                for p in periods.get(row["patient_id"], [])
            ],
            "identifier": [{"system": NHS_NUMBER, "value": row["nhs_number"]}],
            "name": [{"use": "official", "family": row["family_name"], "given": [row["given_name"]]}],
            "gender": row["sex"],
            "birthDate": row["date_of_birth"].isoformat(),
        }
        if row["date_of_death"] is not None:
            resource["deceasedDateTime"] = row["date_of_death"].isoformat()
        patients.write(resource)
        if row["type1_opt_out"]:
            first = min(p["start"] for p in periods.get(row["patient_id"], [{"start": "2000-01-01"}]))
            observations.write(_observation(f"{rid}-optout", rid, first, TYPE1_DISSENT, None, None))
    patients.close()

    for n, row in enumerate(t["clinical_events"].to_pylist()):
        observations.write(
            _observation(
                f"obs-{n}", ids[row["patient_id"]], row["date"].isoformat(), row["code"],
                row["numeric_value"], row["unit"],
            )
        )  # fmt: skip
    observations.close()

    requests = _Writer(out, "MedicationRequest")
    for n, row in enumerate(t["medications"].to_pylist()):
        resource = {
            "resourceType": "MedicationRequest",
            "id": f"med-{n}",
            "status": "completed",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": DMD, "code": row["code"]}]},
            "subject": {"reference": f"Patient/{ids[row['patient_id']]}"},
            "authoredOn": row["date"].isoformat(),
        }
        if row["quantity"] is not None:
            resource["dispenseRequest"] = {"quantity": {"value": row["quantity"]}}
        requests.write(resource)
    requests.close()

    immunizations = _Writer(out, "Immunization")
    for n, row in enumerate(t["vaccinations"].to_pylist()):
        immunizations.write(
            {
                "resourceType": "Immunization",
                "id": f"imm-{n}",
                "status": "completed",
                "vaccineCode": {"coding": [{"system": SNOMED, "code": row["code"]}]},
                "patient": {"reference": f"Patient/{ids[row['patient_id']]}"},
                "occurrenceDateTime": row["date"].isoformat(),
            }
        )
    immunizations.close()

    appointments = _Writer(out, "Appointment")
    for row in t["appointments"].to_pylist():
        resource = {
            "resourceType": "Appointment",
            "id": str(row["appointment_id"]),
            "status": STATUS[row["status"]],
            "start": _instant(row["start_at"]),
            "participant": [
                {"actor": {"reference": f"Patient/{ids[row['patient_id']]}"}, "status": "accepted"}
            ],
        }
        if row["booked_at"] is not None:
            resource["created"] = _instant(row["booked_at"])
        if row["mode"] in CHANNEL:
            resource["extension"] = [
                {
                    "url": DELIVERY_CHANNEL,
                    "valueCodeableConcept": {
                        "coding": [{"system": CHANNEL_SYSTEM, "code": CHANNEL[row["mode"]]}]
                    },
                }
            ]
        appointments.write(resource)
    appointments.close()


def _observation(rid: str, patient: str, day: str, code: str, value, unit) -> dict:
    resource = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": SNOMED, "code": code}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": day,
    }
    if value is not None:
        quantity = {"value": value}
        if unit is not None:
            quantity["unit"] = unit
        resource["valueQuantity"] = quantity
    return resource


__all__ = ["logical_id", "write_practice"]
