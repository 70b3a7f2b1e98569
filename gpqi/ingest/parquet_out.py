"""Write query results to Parquet with exactly a given schema, streaming in batches.

DuckDB's own writer marks every column optional; the snapshot contract is the CDM schema
exactly (types and nullability), so rows go through PyArrow's writer instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 1_000_000


def write_query(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema, path: Path) -> int:
    """Run `sql` and write its rows to `path` (an empty file if there are none); return the row count."""
    rows = 0
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in reader:
            if batch.num_rows:
                writer.write_batch(batch.cast(schema))
                rows += batch.num_rows
    return rows


def write_table(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd")


def fsync_tree(root: Path) -> None:
    """Flush every file and folder under `root` to disk, so a rename publishes durable data."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
