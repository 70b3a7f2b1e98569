"""Tiny hand-made extracts for the ingest tests: every row is chosen, so each test can break one.

`baseline()` is a valid two-practice extract (practices P1 and P2 in network NET1); tests change
one row, write it as Parquet or CSV with `Extract.write`, and check what the ingest made of it.
"""

from __future__ import annotations

import copy
import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.cdm import COLUMNS, SCHEMAS
from gpqi.codelists import load

AS_OF = date(2025, 6, 30)

HYPERTENSION = load("hypertension").codes[0]
SYSTOLIC = load("systolic-bp").codes[0]
STATIN = load("statins").codes[0]
FLU = load("flu-vaccination").codes[0]

Row = dict[str, Any]


def nhs_number(first_nine: str) -> str:
    """A valid NHS number: the modulus 11 check digit appended (first_nine must not give 10)."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    check = (11 - total % 11) % 11
    assert check != 10, first_nine
    return first_nine + str(check)


def patient(pid: int, born: date, sex: str = "female", died: date | None = None, **kw: Any) -> Row:
    return {
        "patient_id": pid,
        "nhs_number": nhs_number(f"999{pid:06d}"),
        "given_name": f"Given{pid}",
        "family_name": f"Family{pid}",
        "date_of_birth": born,
        "sex": sex,
        "date_of_death": died,
        "imd_decile": 5,
        "type1_opt_out": False,
        **kw,
    }


def event(
    pid: int, practice: str, day: date, code: str = HYPERTENSION, value: float | None = None, unit=None
) -> Row:
    return {
        "patient_id": pid,
        "practice_code": practice,
        "date": day,
        "code": code,
        "numeric_value": value,
        "unit": unit,
    }


def appointment(
    aid: int, practice: str, pid: int, booked: datetime, start: datetime, status: str = "attended"
) -> Row:
    return {
        "appointment_id": aid,
        "practice_code": practice,
        "patient_id": pid,
        "booked_at": booked,
        "start_at": start,
        "status": status,
        "mode": "face_to_face",
        "booking_channel": "online",
        "clinician_type": "gp",
    }


@dataclass
class Extract:
    reference: dict[str, list[Row]] = field(default_factory=dict)
    practices: dict[str, dict[str, list[Row]]] = field(default_factory=dict)

    def copy(self) -> Extract:
        return copy.deepcopy(self)

    def write(self, root: Path, fmt: str = "parquet") -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for table, rows in self.reference.items():
            write_table(root / "reference" / f"{table}.{fmt}", table, rows, fmt)
        for code, tables in self.practices.items():
            for table, rows in tables.items():
                write_table(root / "practices" / code / f"{table}.{fmt}", table, rows, fmt)
        return root


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_table(path: Path, table: str, rows: list[Row], fmt: str) -> None:
    """Write rows with the CDM schema; a column holding a value its type cannot is written as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [c.name for c in COLUMNS[table]]
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(names)
            for row in rows:
                writer.writerow([_text(row.get(n)) for n in names])
        return
    arrays, fields = [], []
    for f in SCHEMAS[table]:
        values = [row.get(f.name) for row in rows]
        try:
            arrays.append(pa.array(values, type=f.type))
            fields.append(pa.field(f.name, f.type, nullable=f.nullable or None in values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            arrays.append(pa.array([None if v is None else _text(v) for v in values], type=pa.string()))
            fields.append(pa.field(f.name, pa.string()))
    pq.write_table(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), path)


def baseline() -> Extract:
    """Two practices; patient 3 moved from P1 to P2 (identical rows in both); patient 2 died."""
    orgs = [
        {"org_code": "PROG", "name": "Programme", "type": "programme", "parent_code": None},
        {"org_code": "ICB1", "name": "ICB one", "type": "icb", "parent_code": "PROG"},
        {"org_code": "SUB1", "name": "Sub-ICB one", "type": "sub_icb", "parent_code": "ICB1"},
        {"org_code": "NET1", "name": "Network one", "type": "network", "parent_code": "SUB1"},
        {"org_code": "P1", "name": "Practice one", "type": "practice", "parent_code": "NET1"},
        {"org_code": "P2", "name": "Practice two", "type": "practice", "parent_code": "NET1"},
    ]
    practices = [
        {
            "practice_code": code,
            "name": f"Practice {code}",
            "network_code": "NET1",
            "sub_icb_code": "SUB1",
            "imd_score": 21.5,
            "ehr_system": system,
            "opened": date(1990, 1, 1),
            "closed": None,
        }
        for code, system in (("P1", "emis"), ("P2", "tpp"))
    ]
    died = date(2024, 3, 1)
    p1 = {
        "patients": [
            patient(1, date(1950, 5, 17)),
            patient(2, date(1980, 1, 2), "male", died=died),
            patient(3, date(2000, 7, 7)),
        ],
        "registrations": [
            {"patient_id": 1, "practice_code": "P1", "start_date": date(2000, 1, 1), "end_date": None},
            {"patient_id": 2, "practice_code": "P1", "start_date": date(2005, 1, 1), "end_date": None},
            {
                "patient_id": 3,
                "practice_code": "P1",
                "start_date": date(2010, 1, 1),
                "end_date": date(2020, 12, 31),
            },
        ],
        "clinical_events": [
            event(1, "P1", date(2024, 1, 10)),
            event(1, "P1", date(2024, 1, 10), SYSTOLIC, 150.0, "mm[Hg]"),
            event(2, "P1", died),  # on the day of death: fine
            event(3, "P1", date(2015, 6, 1)),
        ],
        "medications": [
            {
                "patient_id": 1,
                "practice_code": "P1",
                "date": date(2024, 2, 1),
                "code": STATIN,
                "quantity": 28.0,
            }
        ],
        "vaccinations": [{"patient_id": 1, "practice_code": "P1", "date": date(2023, 10, 1), "code": FLU}],
        "appointments": [
            appointment(1001, "P1", 1, datetime(2024, 1, 1, 9), datetime(2024, 1, 10, 9)),
            appointment(1002, "P1", 2, datetime(2024, 2, 1, 9), datetime(2024, 3, 5, 9), "cancelled"),
        ],
    }
    p2 = {
        "patients": [patient(3, date(2000, 7, 7)), patient(4, date(1960, 12, 25), "male")],
        "registrations": [
            {"patient_id": 3, "practice_code": "P2", "start_date": date(2021, 1, 1), "end_date": None},
            {"patient_id": 4, "practice_code": "P2", "start_date": date(2015, 6, 1), "end_date": None},
        ],
        "clinical_events": [event(4, "P2", date(2023, 5, 5)), event(3, "P2", date(2022, 2, 2))],
        "medications": [],
        "vaccinations": [{"patient_id": 4, "practice_code": "P2", "date": date(2024, 10, 1), "code": FLU}],
        "appointments": [appointment(2001, "P2", 4, datetime(2024, 6, 1, 8, 30), datetime(2024, 6, 1, 11))],
    }
    return Extract(reference={"organisations": orgs, "practices": practices}, practices={"P1": p1, "P2": p2})
