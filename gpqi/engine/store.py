"""The results store: results, list sizes, run metadata and worklists in the workspace.

Every file is written to a temporary name in its own folder and renamed over the old one, so
a reader sees the previous complete file or the new complete file, never half of one, and a
failed run leaves the previous results in place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.engine.schema import LIST_SIZES, RESULTS, WORKLIST
from gpqi.workspace import Workspace


def _replace(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_table(path: Path, table: pa.Table) -> None:
    _replace(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_tables(path: Path, schema: pa.Schema, tables: Iterable[pa.Table]) -> None:
    """One Parquet file from tables written one after another (each may be large), replaced
    whole like `write_table`."""

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for table in tables:
                writer.write_table(table)

    _replace(path, write)


def write_json(path: Path, data: dict[str, Any]) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")

    _replace(path, write)


def read_table(path: Path, schema: pa.Schema) -> pa.Table:
    if not path.exists():
        return schema.empty_table()
    return pq.read_table(path, schema=schema)


def read_run_info(ws: Workspace, series: str | None = None) -> dict[str, Any]:
    path = ws.series_run_info_path(series)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def read_results(ws: Workspace, series: str | None = None) -> pa.Table:
    """The main results (series None) or a named series' results."""
    return read_table(ws.series_results_path(series), RESULTS)


def read_list_sizes(ws: Workspace, series: str | None = None) -> pa.Table:
    return read_table(ws.series_list_sizes_path(series), LIST_SIZES)


def write_worklists(ws: Workspace, indicator_id: str, table: pa.Table, practices: list[str]) -> int:
    """One file per practice (empty for practices with nobody listed); stale ones removed."""
    import pyarrow.compute as pc

    written = 0
    for practice in practices:
        rows = table.filter(pc.equal(table["practice_code"], practice)) if table.num_rows else table
        write_table(ws.worklist_path(practice, indicator_id), rows.cast(WORKLIST))
        written += rows.num_rows
    keep = set(practices)
    if ws.worklists_dir.exists():
        for folder in ws.worklists_dir.iterdir():
            stale = folder / f"{indicator_id}.parquet"
            if folder.name not in keep and stale.exists():
                stale.unlink()
    return written
