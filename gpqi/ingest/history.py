"""The ingest history: JSON lines appended to the workspace, one attempt of `gpqi ingest` each.

An attempt is recorded twice: a `started` line before any work (with the process id), and a
line with the outcome when it ends (published, unchanged, refused, failed). An ingest killed
outright (SIGKILL, power cut) writes no second line, so a started attempt without one is
"running" while its process still holds the workspace's ingest lock, and "abandoned" after; the
next ingest writes an `abandoned` line for it. So `gpqi status` never reports an earlier success
as the last ingest when a later one died.

It says which snapshots were published (so an interrupted publish can be told apart from a
finished one), which re-ingests found nothing new, and which ingests failed and why (messages
never hold patient data). A line cut short by a crash is skipped when reading.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

from gpqi.workspace import Workspace

ABANDONED = "abandoned"
RUNNING = "running"
STARTED = "started"
ABANDONED_MESSAGE = "the ingest stopped before it finished (killed or crashed); it published nothing"


def append(ws: Workspace, entry: dict[str, Any]) -> None:
    line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(ws.ingest_history_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def start(ws: Workspace, entry: dict[str, Any]) -> str:
    """Record that an attempt begins (call with the ingest lock held); return its id."""
    attempt = uuid.uuid4().hex[:12]
    append(ws, {**entry, "attempt": attempt, "outcome": STARTED, "pid": os.getpid()})
    return attempt


def finish(ws: Workspace, attempt: str, entry: dict[str, Any]) -> None:
    append(ws, {**entry, "attempt": attempt})


def _lines(ws: Workspace) -> list[dict[str, Any]]:
    if not ws.ingest_history_path.exists():
        return []
    out = []
    for line in ws.ingest_history_path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def _holds_lock(ws: Workspace, pid: int | None) -> bool:
    """Whether process `pid` is alive and is the one named in the ingest lock file."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    try:
        holder = (ws.root / ".ingest.lock").read_text(encoding="ascii").strip()
    except OSError:
        return False
    return holder == str(pid)


def entries(ws: Workspace) -> list[dict[str, Any]]:
    """One record per attempt, oldest first: its started line merged with its outcome line.

    An attempt with no outcome line is `running` if its process still holds the lock, else
    `abandoned`. Lines without an attempt id (older workspaces, recovery notes) stand alone.
    """
    out: list[dict[str, Any]] = []
    by_attempt: dict[str, dict[str, Any]] = {}
    for line in _lines(ws):
        attempt = line.get("attempt")
        if attempt and attempt in by_attempt:
            by_attempt[attempt].update(line)
            continue
        record = dict(line)
        out.append(record)
        if attempt:
            by_attempt[attempt] = record
    for record in out:
        if record.get("outcome") == STARTED:
            running = _holds_lock(ws, record.get("pid"))
            record["outcome"] = RUNNING if running else ABANDONED
            if not running:
                record.setdefault("message", ABANDONED_MESSAGE)
    return out


def unfinished(ws: Workspace) -> list[str]:
    """Attempts that started and never recorded an outcome (call with the lock held)."""
    done = {line["attempt"] for line in _lines(ws) if line.get("attempt") and line.get("outcome") != STARTED}
    return [
        line["attempt"]
        for line in _lines(ws)
        if line.get("outcome") == STARTED and line.get("attempt") not in done
    ]


def published_ids(ws: Workspace) -> list[str]:
    """Snapshots published by an ingest that finished, oldest first."""
    seen: list[str] = []
    for entry in _lines(ws):
        if entry.get("outcome") == "published" and entry.get("snapshot_id") not in seen:
            seen.append(entry["snapshot_id"])
    return seen
