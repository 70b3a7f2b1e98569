"""CDM table schemas (docs/statistics.md), with a description of every column.

Types are chosen for the engines: dates are date32, timestamps second-precision without
time zone (local clinic time), patient and appointment ids int64 (they are keys, not codes);
clinical codes, NHS numbers and organisation codes are strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

ORG_TYPES = ("practice", "network", "sub_icb", "icb", "region", "programme")
SEXES = ("female", "male", "unknown")
EHR_SYSTEMS = ("emis", "tpp", "vision", "other")
APPOINTMENT_STATUSES = ("attended", "did_not_attend", "cancelled", "unknown")
APPOINTMENT_MODES = ("face_to_face", "telephone", "video_online", "home_visit", "unknown")
BOOKING_CHANNELS = ("online", "telephone", "in_person", "unknown")
CLINICIAN_TYPES = ("gp", "nurse", "other", "unknown")


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool
    meaning: str
    allowed: tuple[str, ...] | None = None  # enumerations
    code: bool = False  # a SNOMED CT / dm+d code: digits only, 6-18 long


_date = pa.date32()
_ts = pa.timestamp("s")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "organisations": (
        Column("org_code", pa.string(), False, "Organisation code (fictional in synthetic data)."),
        Column("name", pa.string(), False, "Display name."),
        Column("type", pa.string(), False, "Kind of organisation.", ORG_TYPES),
        Column("parent_code", pa.string(), True, "org_code of the parent organisation; null at the top."),
    ),
    "practices": (
        Column(
            "practice_code", pa.string(), False, "Practice code (ODS-style, fictional in synthetic data)."
        ),
        Column("name", pa.string(), False, "Practice name."),
        Column("network_code", pa.string(), False, "The network (PCN) the practice belongs to."),
        Column("sub_icb_code", pa.string(), False, "The sub-ICB location the network belongs to."),
        Column(
            "imd_score",
            pa.float64(),
            True,
            "Practice-weighted Index of Multiple Deprivation 2019 score (higher = more deprived).",
        ),
        Column("ehr_system", pa.string(), False, "Clinical system the extract came from.", EHR_SYSTEMS),
        Column("opened", _date, True, "Date the practice opened."),
        Column("closed", _date, True, "Date the practice closed; null while open."),
    ),
    "patients": (
        Column(
            "patient_id", pa.int64(), False, "Pseudonymous patient key, stable across practices and extracts."
        ),
        Column(
            "nhs_number",
            pa.string(),
            False,
            "10-digit NHS number; synthetic ones start 999, the range reserved for testing, and pass the modulus-11 check.",
        ),
        Column("given_name", pa.string(), True, "Given name."),
        Column("family_name", pa.string(), True, "Family name."),
        Column("date_of_birth", _date, False, "Date of birth."),
        Column("sex", pa.string(), False, "Sex as recorded.", SEXES),
        Column("date_of_death", _date, True, "Date of death; null if alive."),
        Column(
            "imd_decile", pa.int8(), True, "IMD 2019 decile of the patient's home LSOA, 1 = most deprived."
        ),
        Column(
            "type1_opt_out",
            pa.bool_(),
            False,
            "National data opt-out (type 1): excluded from every use beyond direct care.",
        ),
    ),
    "registrations": (
        Column("patient_id", pa.int64(), False, "Patient."),
        Column("practice_code", pa.string(), False, "Practice the patient is registered with."),
        Column("start_date", _date, False, "First day of registration."),
        Column("end_date", _date, True, "Last day of registration (inclusive); null while registered."),
    ),
    "clinical_events": (
        Column("patient_id", pa.int64(), False, "Patient."),
        Column("practice_code", pa.string(), False, "Practice where the event was recorded."),
        Column("date", _date, False, "Date of the event."),
        Column("code", pa.string(), False, "SNOMED CT concept id.", code=True),
        Column(
            "numeric_value",
            pa.float64(),
            True,
            "Value for observations (e.g. systolic BP in mmHg, HbA1c in mmol/mol).",
        ),
        Column("unit", pa.string(), True, "Unit of numeric_value."),
    ),
    "medications": (
        Column("patient_id", pa.int64(), False, "Patient."),
        Column("practice_code", pa.string(), False, "Practice that issued the prescription."),
        Column("date", _date, False, "Date of issue."),
        Column("code", pa.string(), False, "dm+d product id (VMP/AMP).", code=True),
        Column("quantity", pa.float64(), True, "Quantity issued."),
    ),
    "vaccinations": (
        Column("patient_id", pa.int64(), False, "Patient."),
        Column("practice_code", pa.string(), False, "Practice that recorded the vaccination."),
        Column("date", _date, False, "Date given."),
        Column("code", pa.string(), False, "SNOMED CT procedure or dm+d product id.", code=True),
    ),
    "appointments": (
        Column("appointment_id", pa.int64(), False, "Appointment key, unique within the snapshot."),
        Column("practice_code", pa.string(), False, "Practice holding the appointment."),
        Column("patient_id", pa.int64(), False, "Patient booked into the slot."),
        Column(
            "booked_at",
            _ts,
            True,
            "When the booking was made; null when the source does not record it (lead time is then unknown).",
        ),
        Column("start_at", _ts, False, "When the appointment was due to start."),
        Column("status", pa.string(), False, "Outcome.", APPOINTMENT_STATUSES),
        Column(
            "mode",
            pa.string(),
            False,
            "How the appointment took place (unknown when the source does not say).",
            APPOINTMENT_MODES,
        ),
        Column(
            "booking_channel",
            pa.string(),
            False,
            "How it was booked (unknown when the source does not say).",
            BOOKING_CHANNELS,
        ),
        Column(
            "clinician_type",
            pa.string(),
            False,
            "Who the appointment was with (unknown when the source does not say).",
            CLINICIAN_TYPES,
        ),
    ),
}

TABLES: tuple[str, ...] = tuple(COLUMNS)
# Tables with a patient_id and practice_code: what one practice's extract contributes.
PATIENT_TABLES: tuple[str, ...] = (
    "registrations",
    "clinical_events",
    "medications",
    "vaccinations",
    "appointments",
)

SCHEMAS: dict[str, pa.Schema] = {
    table: pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in cols])
    for table, cols in COLUMNS.items()
}


def empty_table(table: str) -> pa.Table:
    return SCHEMAS[table].empty_table()
