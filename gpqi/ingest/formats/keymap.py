"""The patient key map: source patient keys -> the CDM's stable `patient_id`.

A key is (format, practice, the source's own id: FHIR logical id, EMIS PatientGuid, SystmOne
IDPatient). Each snapshot holds the whole map in `keymap/patients.parquet` (published with the
snapshot, so it changes atomically with it); the next ingest starts from the current snapshot's
map. A key already in the map keeps its id (re-ingest gives the same ids). A new key takes the
id of a patient with the same NHS number, in the map or among the patients of the current
snapshot and of this extract's CDM practices (a patient who moved practice keeps one id).
Otherwise it gets a new id, counting up from `FIRST_ID`, a range CDM extracts are documented to
stay below. The map is patient-identifiable (NHS numbers): docs/security.md says who can read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FIRST_ID = 1_000_000_000_001  # ids below this are left to CDM extracts
KEYMAP_FILE = Path("keymap") / "patients.parquet"
SCHEMA = pa.schema(
    [
        pa.field("format", pa.string(), nullable=False),
        pa.field("practice_code", pa.string(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("nhs_number", pa.string()),
        pa.field("patient_id", pa.int64(), nullable=False),
    ]
)


@dataclass
class KeyMap:
    by_key: dict[tuple[str, str, str], int]
    nhs: dict[str, int]  # NHS number -> patient_id, from the map and from CDM patients
    rows: dict[tuple[str, str, str], str | None]  # key -> NHS number as first recorded
    next_id: int

    @classmethod
    def load(cls, snapshot: Path | None, cdm_patients: dict[str, int]) -> KeyMap:
        by_key: dict[tuple[str, str, str], int] = {}
        rows: dict[tuple[str, str, str], str | None] = {}
        nhs = dict(cdm_patients)
        top = FIRST_ID - 1
        path = snapshot / KEYMAP_FILE if snapshot else None
        if path is not None and path.exists():
            table = pq.read_table(path)
            for fmt, practice, source_id, number, pid in zip(
                *(table.column(c).to_pylist() for c in SCHEMA.names), strict=True
            ):
                by_key[(fmt, practice, source_id)] = pid
                rows[(fmt, practice, source_id)] = number
                if number:
                    nhs.setdefault(number, pid)
                top = max(top, pid)
        return cls(by_key, nhs, rows, top + 1)

    def assign(self, fmt: str, practice: str, source_id: str, nhs_number: str | None) -> int:
        key = (fmt, practice, source_id)
        if key in self.by_key:
            return self.by_key[key]
        number = (nhs_number or "").strip() or None
        if number and number in self.nhs:
            pid = self.nhs[number]
        else:
            pid = self.next_id
            self.next_id += 1
            if number:
                self.nhs[number] = pid
        self.by_key[key] = pid
        self.rows[key] = number
        return pid

    def drop_practices(self, keep: set[str], replaced: set[str]) -> None:
        """Forget the keys of practices that are neither kept nor sent again (dropped)."""
        for key in [k for k in self.by_key if k[1] not in keep and k[1] not in replaced]:
            del self.by_key[key]
            del self.rows[key]

    def table(self) -> pa.Table:
        keys = sorted(self.by_key)
        return pa.table(
            {
                "format": [k[0] for k in keys],
                "practice_code": [k[1] for k in keys],
                "source_id": [k[2] for k in keys],
                "nhs_number": [self.rows[k] for k in keys],
                "patient_id": [self.by_key[k] for k in keys],
            },
            schema=SCHEMA,
        )
