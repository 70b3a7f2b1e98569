"""Ingest: validate practice extracts, quarantine bad rows, publish CDM snapshots atomically.

`ingest(source, workspace)` reads an extract (Parquet or CSV in the layout of docs/ingest.md),
checks every row against the rules in `rules.py` with DuckDB, and publishes a new snapshot in
the workspace, or nothing at all if a file is unusable (`IngestError`). `workspace_status`
describes a workspace for `gpqi status`.
"""

from gpqi.ingest.errors import IngestError
from gpqi.ingest.pipeline import IngestOutcome, Progress, ingest

__all__ = ["IngestError", "IngestOutcome", "Progress", "ingest"]
