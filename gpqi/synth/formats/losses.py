"""What each format cannot carry, as a change to CDM tables: the CDM a perfect adapter yields.

A format that has no field for a CDM column leaves it unknown (or null), never guessed:
- FHIR (UK Core): no booking channel or clinician type on an Appointment; the delivery channel
  says "In-person" for home visits too; no IMD decile on a Patient.
- EMIS Web: slots carry no booking time (`booked_at` null) and no booking channel; a cancelled
  booking frees its slot, so cancelled appointments are not in the extract; the clinician's role
  is in a file gpqi does not read; no IMD decile.
- SystmOne: no booking channel; the clinician's role is in a file gpqi does not read; no IMD decile.
`apply(extract, formats)` makes these changes to a CDM Parquet extract's practice folders, so
tests can ingest it and compare it with the same population ingested through each adapter.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

UNKNOWN_APPOINTMENT_FIELDS = {
    "fhir": ("booking_channel", "clinician_type"),
    "emis": ("booking_channel", "clinician_type"),
    "systmone": ("booking_channel", "clinician_type"),
}
NO_BOOKING_TIME = ("emis",)
NO_CANCELLED = ("emis",)
HOME_VISIT_AS = {"fhir": "face_to_face"}


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    index = table.schema.get_field_index(name)
    return table.set_column(index, table.schema.field(index), values)


def apply(extract: Path, formats: dict[str, str]) -> None:
    for code, fmt in formats.items():
        if fmt == "cdm":
            continue
        folder = extract / "practices" / code
        patients = pq.read_table(folder / "patients.parquet")
        patients = _set(patients, "imd_decile", pa.nulls(len(patients), pa.int8()))
        pq.write_table(patients, folder / "patients.parquet")
        appts = pq.read_table(folder / "appointments.parquet")
        for name in UNKNOWN_APPOINTMENT_FIELDS[fmt]:
            appts = _set(appts, name, pa.array(["unknown"] * len(appts), pa.string()))
        if fmt in NO_BOOKING_TIME:
            appts = _set(appts, "booked_at", pa.nulls(len(appts), appts.schema.field("booked_at").type))
        if fmt in NO_CANCELLED:
            appts = appts.filter(pc.not_equal(appts.column("status"), "cancelled"))
        if fmt in HOME_VISIT_AS:
            mode = appts.column("mode")
            appts = _set(appts, "mode", pc.if_else(pc.equal(mode, "home_visit"), HOME_VISIT_AS[fmt], mode))
        pq.write_table(appts, folder / "appointments.parquet")
