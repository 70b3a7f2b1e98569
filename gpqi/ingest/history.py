"""The ingest history: one JSON line per `gpqi ingest` attempt, appended to the workspace.

It says which snapshots were published (so an interrupted publish can be told apart from a
finished one), which re-ingests found nothing new, and which ingests failed and why (messages
never hold patient data). A line cut short by a crash is skipped when reading.
"""

from __future__ import annotations

import json
import os
from typing import Any

from gpqi.workspace import Workspace


def append(ws: Workspace, entry: dict[str, Any]) -> None:
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(ws.ingest_history_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def entries(ws: Workspace) -> list[dict[str, Any]]:
    if not ws.ingest_history_path.exists():
        return []
    out = []
    for line in ws.ingest_history_path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def published_ids(ws: Workspace) -> list[str]:
    """Snapshots published by an ingest that finished, oldest first."""
    seen: list[str] = []
    for entry in entries(ws):
        if entry.get("outcome") == "published" and entry.get("snapshot_id") not in seen:
            seen.append(entry["snapshot_id"])
    return seen
