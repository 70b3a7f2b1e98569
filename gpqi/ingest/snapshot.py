"""Snapshot mechanics: the workspace lock, cleaning up after interrupted ingests, carrying
files over by hard link, and the atomic publish.

A snapshot is built in staging/<id>/, flushed to disk, renamed into snapshots/<id>/ (one atomic
rename) and only then named in CURRENT (one atomic rename of a temporary file). A process killed
before the second rename leaves CURRENT on the previous snapshot; whatever it left in staging/,
and a snapshot renamed into place but never switched to, is removed by the next ingest.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from gpqi.ingest import history, hooks
from gpqi.ingest.errors import IngestError
from gpqi.ingest.parquet_out import fsync_dir, fsync_tree
from gpqi.workspace import Workspace

LOCK_FILE = ".ingest.lock"
CREATED_BY = "gpqi ingest"


@contextmanager
def ingest_lock(ws: Workspace) -> Iterator[None]:
    """Hold the workspace's ingest lock (released by the kernel if the process dies)."""
    fd = os.open(ws.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise IngestError(
            f"{ws.root}: another gpqi ingest is running on this workspace (pid {holder})"
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def read_manifest(snapshot: Path) -> dict | None:
    try:
        return json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def made_by_ingest(snapshot: Path) -> bool:
    manifest = read_manifest(snapshot)
    return bool(manifest) and manifest.get("created_by") == CREATED_BY


def _discard(ws: Workspace, snapshot: Path) -> None:
    """Delete a snapshot folder without ever leaving half of it in snapshots/: move it to
    staging/ first (one rename), then delete it there (a kill mid-delete is cleaned up next time)."""
    ws.staging_dir.mkdir(parents=True, exist_ok=True)
    trash = ws.staging_dir / f"discarded-{snapshot.name}"
    os.rename(snapshot, trash)
    shutil.rmtree(trash)


def clean_leftovers(ws: Workspace) -> list[str]:
    """Remove what interrupted ingests left behind; return what was removed (for the report).

    Only call with the lock held: then nothing in staging/ belongs to a live ingest.
    """
    removed: list[str] = []
    if ws.staging_dir.exists():
        for child in sorted(ws.staging_dir.iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
            removed.append(f"staging/{child.name}")
    for tmp in ws.root.glob(".CURRENT.*.tmp"):
        tmp.unlink()
    unfinished = history.unfinished(ws)
    if ws.snapshots_dir.exists():
        published = set(history.published_ids(ws))
        current = ws.current_snapshot_id()
        if current and current not in published and made_by_ingest(ws.snapshot_path(current)):
            # Killed after switching CURRENT but before recording it: it was published all the same
            # (by the last attempt that never finished, if its started line was written).
            recovered = {"outcome": "published", "snapshot_id": current, "recovered": True}
            if unfinished:
                history.finish(ws, unfinished.pop(), {**recovered, "finished_at": _now()})
            else:
                history.append(ws, recovered)
            published.add(current)
        for snapshot in sorted(ws.snapshots_dir.iterdir()):
            # A snapshot renamed into place whose ingest died before switching CURRENT to it.
            unpublished = snapshot.is_dir() and snapshot.name != current and snapshot.name not in published
            if unpublished and made_by_ingest(snapshot):
                _discard(ws, snapshot)
                removed.append(f"snapshots/{snapshot.name}")
    for attempt in unfinished:
        history.finish(
            ws,
            attempt,
            {"outcome": history.ABANDONED, "finished_at": _now(), "message": history.ABANDONED_MESSAGE},
        )
    return removed


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def new_snapshot_id(ws: Workspace, fingerprint: str) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    base = f"{stamp}-{fingerprint[:8]}"
    candidate, n = base, 1
    while ws.snapshot_path(candidate).exists() or (ws.staging_dir / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def link_or_copy(src: Path, dst: Path) -> None:
    """Share an unchanged file with the previous snapshot (files in snapshots are never modified)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")


def publish(ws: Workspace, staged: Path, snapshot_id: str) -> Path:
    """Make the staged snapshot the current one, atomically."""
    fsync_tree(staged)
    ws.snapshots_dir.mkdir(parents=True, exist_ok=True)
    final = ws.snapshot_path(snapshot_id)
    hooks.stage("staged")
    os.rename(staged, final)
    fsync_dir(ws.snapshots_dir)
    hooks.stage("renamed")
    ws.set_current_snapshot(snapshot_id)
    fsync_dir(ws.root)
    hooks.stage("switched")
    return final


def prune(ws: Workspace, keep: int) -> list[str]:
    """Delete the oldest published snapshots beyond `keep` (never the current one, nor one a
    running `gpqi run` holds: a later ingest prunes that)."""
    published = [s for s in history.published_ids(ws) if ws.snapshot_path(s).is_dir()]
    current = ws.current_snapshot_id()
    keepers = set(published[-keep:]) | {current}
    removed = []
    for snapshot_id in published:
        if snapshot_id not in keepers and not ws.snapshot_pinned(snapshot_id):
            _discard(ws, ws.snapshot_path(snapshot_id))
            (ws.root / ".pins" / f"{snapshot_id}.lock").unlink(missing_ok=True)
            removed.append(snapshot_id)
    return removed
