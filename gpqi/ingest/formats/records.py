"""What an adapter hands back for one practice folder: CDM rows as text, each with its source.

An adapter only maps structure: it finds each fact in the source format and writes it as the
text of a CDM column (dates `YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS` in local clinic
time). It does not check values: the CDM rules do that afterwards, for every format alike, and
a quarantined row is traced back to the source file and row (or NDJSON line) it came from.
Patients are named by their key in the source (a FHIR logical id, an EMIS PatientGuid, a
SystmOne IDPatient); the key map turns keys into `patient_id`s.

What the adapter cannot map at all (no SNOMED CT / dm+d code, a reference to a patient not in
the export, a line that is not JSON) is `Rejected` here, with file, row, field and reason.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from sys import intern

from gpqi.cdm.sources import TYPE1_DISSENT, TYPE1_DISSENT_WITHDRAWN

# Column order of each table as an adapter fills it: `patient_key` stands for `patient_id`
# (appointments carry their own source id, `source_id`), then the CDM columns the source
# provides, then where the row came from.
COLUMNS: dict[str, tuple[str, ...]] = {
    "patients": (
        "patient_key",
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "sex",
        "date_of_death",
        "imd_decile",
        "type1_opt_out",
    ),
    "registrations": ("patient_key", "start_date", "end_date"),
    "clinical_events": ("patient_key", "date", "code", "numeric_value", "unit"),
    "medications": ("patient_key", "date", "code", "quantity"),
    "vaccinations": ("patient_key", "date", "code"),
    "appointments": (
        "source_id",
        "patient_key",
        "booked_at",
        "start_at",
        "status",
        "mode",
        "booking_channel",
        "clinician_type",
    ),
}
SOURCE_COLUMNS = ("_file", "_row")

# Rules of the adapters (the CDM rules are in gpqi.ingest.rules); docs/ingest.md lists them.
ADAPTER_RULES: dict[str, str] = {
    "malformed_json": "an NDJSON line or .json file is not valid JSON, or not a FHIR resource",
    "wrong_resource_type": "an NDJSON file named for one resource type holds another",
    "no_snomed_code": "a record has no SNOMED CT (or, for medicines and vaccines, dm+d) coding",
    "ctv3_only": "a SystmOne row has a CTV3 code but no SNOMED CT code",
    "unknown_code_id": "an EMIS CodeId is not in the Coding_ClinicalCode / Coding_DrugCode file",
    "unknown_patient": "a record refers to a patient who is not in this practice's export",
    "no_patient": "a record names no patient at all",
    "no_date": "a record has none of the dates the format uses for it",
    "malformed_row": "a CSV row has the wrong number of fields",
}


@dataclass(frozen=True)
class Rejected:
    file: str  # relative to SOURCE
    row: int  # data row (CSV, first data row is 1) or line (NDJSON, first line is 1); 0: the whole file
    rule: str
    field: str | None
    value: str | None
    reason: str
    record: str  # the source record as text (patient-level: kept only in the quarantine)


@dataclass
class PracticeRecords:
    """One practice folder, read by an adapter."""

    format: str
    rows: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    rejected: list[Rejected] = field(default_factory=list)
    read: Counter = field(default_factory=Counter)  # source records read, by resource type or file table
    skipped: Counter = field(default_factory=Counter)  # resource types or files gpqi does not use
    dropped: Counter = field(default_factory=Counter)  # deleted / entered-in-error / not done, by kind
    registration_from: str | None = None  # where registrations came from, said in the report
    notes: list[str] = field(default_factory=list)

    def add(self, table: str, values: tuple, file: str, row: int) -> None:
        # A practice's records repeat the same patient keys, dates, codes and units millions of
        # times: one string object each (interned) instead of one per record halves the memory.
        self.rows[table].append((*(intern(v) if type(v) is str else v for v in values), file, row))

    def reject(
        self, file: str, row: int, rule: str, field: str | None, value: str | None, reason: str, record: str
    ) -> None:
        self.rejected.append(Rejected(file, row, rule, field, value, reason, record))


def opt_out_flags(records: PracticeRecords) -> None:
    """Set `type1_opt_out` from the opt-out codes (the latest of dissent and its withdrawal decides) in the practice's records, and take those
    records out of clinical_events (they are a flag on the patient, not a clinical fact)."""
    latest: dict[str, tuple[str, str]] = {}
    kept = []
    for row in records.rows["clinical_events"]:
        key, day, code = row[0], row[1], row[2]
        if code in (TYPE1_DISSENT, TYPE1_DISSENT_WITHDRAWN):
            if key not in latest or (day or "") >= latest[key][0]:
                latest[key] = (day or "", code)
        else:
            kept.append(row)
    records.rows["clinical_events"] = kept
    patients = []
    for row in records.rows["patients"]:
        flag = latest.get(row[0], ("", ""))[1] == TYPE1_DISSENT
        patients.append((*row[:8], "true" if flag else "false", *row[9:]))
    records.rows["patients"] = patients
