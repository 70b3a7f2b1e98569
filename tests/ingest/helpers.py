"""Run an ingest on a hand-made extract and read back what it published."""

from __future__ import annotations

import itertools
from pathlib import Path

import duckdb

from gpqi.ingest import ingest
from gpqi.ingest.pipeline import IngestOutcome
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, Extract

_counter = itertools.count()


def run(tmp_path: Path, ex: Extract, fmt: str = "parquet", **kwargs) -> IngestOutcome:
    """Write `ex` to a fresh source folder and ingest it into tmp_path/ws."""
    src = ex.write(tmp_path / f"src{next(_counter)}", fmt)
    kwargs.setdefault("as_of", AS_OF)
    return ingest(src, tmp_path / "ws", **kwargs)


def snapshot(tmp_path: Path) -> Path:
    return open_workspace(tmp_path / "ws").current_snapshot()


def rows(tmp_path: Path, table: str, where: str = "TRUE") -> list[dict]:
    """Loaded rows of `table` in the current snapshot."""
    files = [str(p) for p in open_workspace(tmp_path / "ws").table_files(table)]
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet({files!r}) WHERE {where}")
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def quarantined(tmp_path: Path, table: str) -> list[dict]:
    """Quarantined rows of `table` in the current snapshot, in file and row order."""
    files = sorted((snapshot(tmp_path) / "quarantine" / table).glob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet({[str(f) for f in files]!r}) ORDER BY file, row")
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]
