"""The floor of `gpqi bench`: the least work any engine evaluating the whole library must do.

One pass over each table of the snapshot that definitions read, only the columns they use:

- each event table (clinical_events, medications, vaccinations): the rows whose code is in
  any codelist the library reads from that table, grouped per patient and code, with the
  count, first and last date and (clinical_events, the only table with values) the last value;
- appointments: grouped per practice, month, status, mode, booking channel and lead-time band
  (the bands the library's appointment definitions use, docs/benchmarks.md);
- registrations: grouped per patient (count, first start, last end).

Each grouping is written to a DuckDB table, so every aggregate is computed (a count over a
subquery would let the optimiser drop them). The same threads and memory limit as the run.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import duckdb
import pyarrow as pa

from gpqi.engine.backends import safe_size
from gpqi.indicators.compiler import codes_arrow, needed_codelists
from gpqi.indicators.workspace import workspace_library
from gpqi.workspace import Workspace

# Event table -> its value column (None: the table has no values the library reads).
EVENT_TABLES = {"clinical_events": "numeric_value", "medications": None, "vaccinations": None}

# Lead-time bands: calendar days from booking to appointment, as the library's appointment
# definitions band them, and exact hours split at 48 (the within/after 48 hours pair).
_LEAD_BAND = """CASE
  WHEN booked_at IS NULL THEN 'unknown'
  ELSE (CASE
    WHEN lead_days <= 0 THEN '0' WHEN lead_days = 1 THEN '1' WHEN lead_days <= 7 THEN '2-7'
    WHEN lead_days <= 14 THEN '8-14' WHEN lead_days <= 21 THEN '15-21' WHEN lead_days <= 28 THEN '22-28'
    ELSE '29+' END) || (CASE WHEN lead_hours > 48 THEN ' >48h' ELSE ' <=48h' END)
END"""


def _event_sql(table: str, value: str | None) -> str:
    last_value = f", arg_max({value}, date) AS last_value" if value else ""
    return (
        f"CREATE TEMP TABLE floor_{table} AS "
        "SELECT patient_id, code, count(*) AS n, min(date) AS first_date, max(date) AS last_date"
        f"{last_value} FROM read_parquet($files) "
        "WHERE code IN (SELECT code FROM floor_codes WHERE source = $source) GROUP BY patient_id, code"
    )


_APPOINTMENTS_SQL = f"""CREATE TEMP TABLE floor_appointments AS
SELECT practice_code, month, status, mode, booking_channel, lead_band, count(*) AS n
FROM (
  SELECT practice_code, date_trunc('month', start_at) AS month, status, mode, booking_channel,
    {_LEAD_BAND} AS lead_band
  FROM (
    SELECT *, date_diff('day', CAST(booked_at AS DATE), CAST(start_at AS DATE)) AS lead_days,
      epoch(start_at) / 3600.0 - epoch(booked_at) / 3600.0 AS lead_hours
    FROM read_parquet($files)
  )
)
GROUP BY ALL"""

_REGISTRATIONS_SQL = """CREATE TEMP TABLE floor_registrations AS
SELECT patient_id, count(*) AS n, min(start_date) AS first_start,
  max(coalesce(end_date, DATE '9999-12-31')) AS last_end
FROM read_parquet($files) GROUP BY patient_id"""


def cpu_seconds() -> float:
    """User + system time of every thread of this process so far: on a shared machine it
    varies far less with other people's load than wall time does."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def library_codes(ws: Workspace) -> pa.Table:
    """(source, code) for every code in a codelist the workspace's library reads, once each."""
    library = workspace_library(ws)
    codes = codes_arrow(needed_codelists(library.selected()), library.codelists.load)
    pairs = sorted(set(zip(codes["source"].to_pylist(), codes["code"].to_pylist(), strict=True)))
    return pa.table(
        {"source": [s for s, _ in pairs], "code": [c for _, c in pairs]},
        schema=pa.schema([("source", pa.string()), ("code", pa.string())]),
    )


def load_codes(con: duckdb.DuckDBPyConnection, ws: Workspace) -> None:
    """The library's codes as the table floor_codes on `con` (reading the definitions and
    codelists is Python work outside the floor's pass)."""
    con.register("floor_codes_arrow", library_codes(ws))
    con.execute("CREATE TEMP TABLE floor_codes AS SELECT * FROM floor_codes_arrow")
    con.unregister("floor_codes_arrow")


def build(con: duckdb.DuckDBPyConnection, ws: Workspace) -> dict[str, float]:
    """Build the floor's tables (floor_<table>) on `con` from the workspace's current
    snapshot, with floor_codes loaded (load_codes); the seconds each table took."""
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (table, _event_sql(table, value), {"source": table}) for table, value in EVENT_TABLES.items()
    ]
    steps += [("appointments", _APPOINTMENTS_SQL, {}), ("registrations", _REGISTRATIONS_SQL, {})]
    seconds: dict[str, float] = {}
    for table, sql, params in steps:
        files = [str(f) for f in ws.table_files(table)]
        if files:
            t0 = time.perf_counter()
            con.execute(sql, {"files": files, **params})
            seconds[table] = round(time.perf_counter() - t0, 3)
    return seconds


def floor(ws: Workspace, threads: int | None = None, memory_limit: str | None = None) -> dict[str, Any]:
    """Run the floor on the workspace's current snapshot in a fresh in-memory DuckDB: seconds
    in all and per table, and the groups each table gives."""
    con = duckdb.connect()
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{safe_size(memory_limit)}'")
        con.execute("SET preserve_insertion_order = false")  # as the engine (backends.connect)
        con.execute("SET enable_progress_bar = false")
        t0 = time.perf_counter()
        load_codes(con, ws)
        codelist_seconds = time.perf_counter() - t0
        cpu, started = cpu_seconds(), time.perf_counter()
        seconds = build(con, ws)
        total, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        groups = {t: con.execute(f"SELECT count(*) FROM floor_{t}").fetchone()[0] for t in seconds}
        codes = con.execute("SELECT count(*) FROM floor_codes").fetchone()[0]
    finally:
        con.close()
    return {
        "seconds": total,
        "cpu_seconds": cpu,
        "seconds_by_table": seconds,
        "groups": groups,
        "codes": codes,
        "codelist_load_seconds": round(codelist_seconds, 3),
    }
