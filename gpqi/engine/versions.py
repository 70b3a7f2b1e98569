"""The version history of each indicator: when each definition version was first run.

A definition's version is a hash of its logic and its codelists' codes (`Indicator.version`);
every result row carries it. The main run appends one line per indicator whose version differs
from the one it last ran to `results/versions.jsonl`:

    {"indicator_id", "version", "previous_version", "run_at", "snapshot_id", "first_date", "last_date"}

so the indicator page can list the versions with their dates and mark the trend at the
reporting date from which each new definition was published (`last_date` of its first run;
earlier dates are recomputed under the new definition).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gpqi.engine.store import read_run_info
from gpqi.workspace import Workspace

__all__ = ["history", "history_path", "record", "results_versions"]


def history_path(ws: Workspace) -> Path:
    return ws.results_dir / "versions.jsonl"


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line from a killed run is not history
    return rows


def history(ws: Workspace, indicator_id: str | None = None) -> list[dict[str, Any]]:
    """The recorded versions (oldest first), of one indicator or all."""
    rows = _read(history_path(ws))
    return [r for r in rows if indicator_id is None or r.get("indicator_id") == indicator_id]


def record(ws: Workspace, entries: dict[str, dict[str, Any]], run_at: str) -> list[dict[str, Any]]:
    """Append a line for each indicator in `entries` (run.json's) whose version is new."""
    path = history_path(ws)
    latest: dict[str, str] = {}
    for row in _read(path):
        latest[row["indicator_id"]] = row["version"]
    added = [
        {
            "indicator_id": ind_id,
            "version": entry["version"],
            "previous_version": latest.get(ind_id),
            "run_at": run_at,
            "snapshot_id": entry.get("snapshot_id"),
            "first_date": entry.get("first_date"),
            "last_date": entry.get("last_date"),
        }
        for ind_id, entry in sorted(entries.items())
        if latest.get(ind_id) != entry["version"]
    ]
    if added:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            for row in added:
                fh.write(json.dumps(row, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    return added


def results_versions(ws: Workspace) -> dict[str, str]:
    """indicator id -> the version its current results were computed with (run.json; a
    results-only workspace records the version directly instead of an entry)."""
    entries = read_run_info(ws).get("indicators", {})
    return {
        ind_id: entry.get("version", "") if isinstance(entry, dict) else str(entry)
        for ind_id, entry in entries.items()
    }
