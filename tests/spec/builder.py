"""Tiny CDM snapshots for tests: rows written as small pipe tables, filled with defaults,
typed by gpqi.cdm.SCHEMAS, and published into a temporary workspace (CURRENT set).

    ws = write_snapshot(tmp_path, {
        "patients": table('''
            patient_id | date_of_birth
            1          | 1950-06-01
        '''),
        "clinical_events": table('''
            patient_id | date       | code     | numeric_value
            1          | 2024-01-10 | 72313002 | 135
        '''),
    })

Unless given, every patient is registered at practice P1 from 2000-01-01 (open), alive,
without opt-out; P1 sits in network N1, sub-ICB S1, ICB I1 and programme G1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.cdm.schema import SCHEMAS
from gpqi.workspace import Workspace, init_workspace


def table(text: str) -> list[dict[str, str]]:
    """Parse a pipe table (header row, then rows); blank cells become None."""
    lines = [
        line.strip()
        for line in text.strip().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    header = [h.strip() for h in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.split("|")]
        rows.append({h: (c if c != "" else None) for h, c in zip(header, cells, strict=True)})
    return rows


def _convert(value: Any, kind: pa.DataType) -> Any:
    if value is None or not isinstance(value, str):
        return value
    if pa.types.is_date(kind):
        return dt.date.fromisoformat(value)
    if pa.types.is_timestamp(kind):
        return dt.datetime.fromisoformat(value)
    if pa.types.is_integer(kind):
        return int(value)
    if pa.types.is_floating(kind):
        return float(value)
    if pa.types.is_boolean(kind):
        return value.lower() in ("true", "yes", "1", "y")
    return value


def _nhs_number(patient_id: int) -> str:
    # 999 + 6 digits + a modulus-11 check digit (test range); retry the body until valid.
    body = 999000000 + patient_id % 1000000
    while True:
        digits = [int(c) for c in str(body)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{body}{check}"
        body += 1


DEFAULTS: dict[str, dict[str, Any]] = {
    "patients": {
        "sex": "female",
        "date_of_death": None,
        "imd_decile": 5,
        "type1_opt_out": False,
        "given_name": "Test",
        "family_name": "Patient",
    },
    "clinical_events": {"practice_code": "P1", "numeric_value": None, "unit": None},
    "medications": {"practice_code": "P1", "quantity": None},
    "vaccinations": {"practice_code": "P1"},
    "appointments": {
        "practice_code": "P1",
        "status": "attended",
        "mode": "face_to_face",
        "booking_channel": "telephone",
        "clinician_type": "gp",
    },
    "registrations": {"practice_code": "P1", "end_date": None},
}


def to_arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    filled = []
    for number, row in enumerate(rows):
        full = dict(DEFAULTS.get(name, {}))
        full.update(row)
        if name == "patients" and full.get("nhs_number") is None:
            full["nhs_number"] = _nhs_number(int(full["patient_id"]))
        if name == "appointments" and full.get("appointment_id") is None:
            full["appointment_id"] = number + 1
        filled.append({f.name: _convert(full.get(f.name), f.type) for f in schema})
    return pa.Table.from_pylist(filled, schema=schema)


def default_tables(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    out = {name: list(rows) for name, rows in tables.items()}
    practices = out.setdefault(
        "practices",
        [
            {
                "practice_code": "P1",
                "name": "Practice one",
                "network_code": "N1",
                "sub_icb_code": "S1",
                "ehr_system": "emis",
            }
        ],
    )
    if "organisations" not in out:
        orgs = [
            {"org_code": "G1", "name": "Programme", "type": "programme", "parent_code": None},
            {"org_code": "I1", "name": "ICB", "type": "icb", "parent_code": None},
        ]
        subs = sorted({p["sub_icb_code"] for p in practices})
        nets = sorted({(p["network_code"], p["sub_icb_code"]) for p in practices})
        orgs += [{"org_code": s, "name": s, "type": "sub_icb", "parent_code": "I1"} for s in subs]
        orgs += [{"org_code": n, "name": n, "type": "network", "parent_code": s} for n, s in nets]
        orgs += [
            {
                "org_code": p["practice_code"],
                "name": p["name"],
                "type": "practice",
                "parent_code": p["network_code"],
            }
            for p in practices
        ]
        out["organisations"] = orgs
    if "registrations" not in out:
        out["registrations"] = [
            {"patient_id": p["patient_id"], "start_date": "2000-01-01"} for p in out.get("patients", [])
        ]
    for name in SCHEMAS:
        out.setdefault(name, [])
    return out


def write_snapshot(root: Path, tables: dict[str, list[dict[str, Any]]], snapshot_id: str = "s1") -> Workspace:
    """A workspace at `root` whose CURRENT snapshot holds `tables` (missing tables empty)."""
    ws = init_workspace(root)
    folder = ws.snapshots_dir / snapshot_id
    for name, rows in default_tables(tables).items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(to_arrow(name, rows), folder / name / "part-0.parquet")
    ws.set_current_snapshot(snapshot_id)
    return ws
