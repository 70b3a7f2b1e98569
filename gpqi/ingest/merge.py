"""Merge the patient rows of every practice into one row per patient.

A patient who moved appears in each practice's extract. Identical rows merge silently; rows
that differ are a conflict: the row from the practice where the patient's latest registration
started wins (ties go to the lower practice code, so the result does not depend on file order),
and every candidate row is kept in the snapshot's quarantine/patient_conflicts.parquet so
nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from gpqi.cdm import COLUMNS
from gpqi.ingest.rules import q

PATIENT_COLUMNS = [c.name for c in COLUMNS["patients"]]


@dataclass
class Conflicts:
    patients: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # column -> patients whose rows differ in it
    practices: dict[str, int] = field(default_factory=dict)  # practice -> conflicting patients it holds

    def as_dict(self) -> dict:
        return {"patients": self.patients, "fields": self.fields, "practices": self.practices}


def merge_patients(con: duckdb.DuckDBPyConnection, candidates: str, latest_start: str) -> Conflicts:
    """Build `_merged` (patients + `_owner`) and `_conflicts` from the candidate rows.

    `candidates`: relation of patient rows with `_practice`; `latest_start`: relation of
    (_practice, patient_id, latest_start) from the loaded registrations.
    """
    cols = ", ".join(q(c) for c in PATIENT_COLUMNS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        WITH c AS (
            SELECT c.*, r.latest_start FROM {candidates} AS c
            LEFT JOIN {latest_start} AS r ON r._practice = c._practice AND r.patient_id = c.patient_id
        ),
        counted AS (
            SELECT *,
                row_number() OVER (PARTITION BY patient_id ORDER BY latest_start DESC NULLS LAST, _practice) AS rank,
                count(*) OVER (PARTITION BY patient_id) AS n_rows,
                count(*) OVER (PARTITION BY {cols}) AS n_same
            FROM c
        )
        SELECT *, max(n_rows - n_same) OVER (PARTITION BY patient_id) > 0 AS conflict FROM counted
    """)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _merged AS SELECT {cols}, _practice AS _owner FROM _ranked WHERE rank = 1"
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _conflicts AS
        SELECT patient_id, _practice AS practice_code, rank = 1 AS chosen, latest_start,
            {", ".join(f"CAST({q(c)} AS VARCHAR) AS {q(c)}" for c in PATIENT_COLUMNS if c != "patient_id")}
        FROM _ranked WHERE conflict ORDER BY patient_id, rank
    """)
    con.execute("DROP TABLE _ranked")
    result = Conflicts()
    (result.patients,) = con.execute("SELECT count(DISTINCT patient_id) FROM _conflicts").fetchall()[0]
    if result.patients:
        differs = ", ".join(f"count(*) FILTER (WHERE n_{i} > 1)" for i, _ in enumerate(PATIENT_COLUMNS[1:]))
        distinct = ", ".join(
            # a missing value counts as one more distinct value
            f"count(DISTINCT {q(c)}) + max(CASE WHEN {q(c)} IS NULL THEN 1 ELSE 0 END) AS n_{i}"
            for i, c in enumerate(PATIENT_COLUMNS[1:])
        )
        row = con.execute(
            f"SELECT {differs} FROM (SELECT patient_id, {distinct} FROM _conflicts GROUP BY patient_id)"
        ).fetchall()[0]
        result.fields = {c: n for c, n in zip(PATIENT_COLUMNS[1:], row, strict=True) if n}
        result.practices = dict(
            con.execute(
                "SELECT practice_code, count(DISTINCT patient_id) FROM _conflicts GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
    return result
