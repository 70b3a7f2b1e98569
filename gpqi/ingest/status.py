"""What `gpqi status` reports about a workspace, as plain data (the CLI renders it or prints JSON).

Everything comes from files the ingest and the engine wrote (manifest.json, report.json,
ingest-history.jsonl, results/run.json) and Parquet footers; no table data is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from gpqi.cdm import TABLES
from gpqi.ingest import history
from gpqi.ingest.snapshot import made_by_ingest, read_manifest
from gpqi.workspace import Workspace, open_workspace


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _footer_rows(folder: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in sorted(folder.glob("*.parquet")))


def _snapshot_summary(ws: Workspace, path: Path, published: set[str], current: str | None) -> dict[str, Any]:
    manifest = read_manifest(path) or {}
    report = _read_json(path / "report.json") or {}
    if path.name == current:
        state = "current"
    elif path.name in published:
        state = "published"
    elif made_by_ingest(path):
        state = "interrupted (the next ingest removes it)"
    else:
        state = "not made by gpqi ingest"
    tables = manifest.get("tables") or {
        t: {"rows": _footer_rows(path / t)} for t in TABLES if (path / t).is_dir()
    }
    quarantined = sum(c.get("quarantined", 0) for c in report.get("tables", {}).values())
    return {
        "snapshot_id": path.name,
        "state": state,
        "created_at": manifest.get("created_at"),
        "source": (manifest.get("source") or {}).get("path"),
        "as_of": manifest.get("as_of"),
        "practices": len(manifest.get("practices", {})),
        "rows": sum(t["rows"] for t in tables.values()),
        "quarantined": quarantined,
    }


def _practices(manifest: dict, report: dict) -> dict[str, Any]:
    out = {}
    for code, entry in manifest.get("practices", {}).items():
        counts = report.get("practices", {}).get(code, {})
        out[code] = {
            "status": counts.get("status"),
            "ingested_in": entry.get("ingested_in"),
            "rows": entry.get("rows", {}),
            "quarantined": {t: c.get("quarantined", 0) for t, c in counts.get("tables", {}).items()},
        }
    return out


def _last_run(ws: Workspace, current: str | None) -> dict[str, Any] | None:
    run = _read_json(ws.run_info_path)
    if run is None:
        return None
    dates = run.get("dates") or {}
    return {
        "run_at": run.get("run_at"),
        "snapshot_id": run.get("snapshot_id"),
        "on_current_snapshot": run.get("snapshot_id") == current,
        "backend": run.get("backend"),
        "indicators": len(run.get("indicators") or {}),
        "dates": {"first": dates.get("first"), "last": dates.get("last"), "count": dates.get("count")},
        "seconds": (run.get("timings_seconds") or {}).get("total"),
    }


def workspace_status(path: Path | str) -> dict[str, Any]:
    """The state of the workspace at `path` (WorkspaceError if it is not one)."""
    ws = open_workspace(path)
    current = ws.current_snapshot_id()
    published = set(history.published_ids(ws))
    snapshots = []
    if ws.snapshots_dir.is_dir():
        snapshots = [
            _snapshot_summary(ws, p, published, current)
            for p in sorted(ws.snapshots_dir.iterdir())
            if p.is_dir()
        ]
    status: dict[str, Any] = {
        "workspace": {"path": str(ws.root.resolve()), "name": ws.config.workspace.name},
        "current": None,
        "snapshots": snapshots,
        "tables": {},
        "practices": {},
        "quarantine": {},
        "patients": None,
        "warnings": [],
        "accepted_shrink": [],
        "last_ingest": (history.entries(ws) or [None])[-1],
        "last_run": _last_run(ws, current),
    }
    if current and ws.snapshot_path(current).is_dir():
        snapshot = ws.snapshot_path(current)
        manifest = read_manifest(snapshot) or {}
        report = _read_json(snapshot / "report.json") or {}
        status["current"] = next(s for s in snapshots if s["snapshot_id"] == current)
        status["tables"] = {
            t: (manifest.get("tables", {}).get(t) or {}).get("rows", _footer_rows(snapshot / t))
            for t in TABLES
        }
        status["practices"] = _practices(manifest, report)
        status["quarantine"] = {t: c.get("quarantined", 0) for t, c in report.get("tables", {}).items()}
        status["patients"] = report.get("patients")
        status["warnings"] = report.get("warnings", [])
        status["accepted_shrink"] = report.get("accepted_shrink", [])
    return status
