"""Atomic publish: a real `gpqi ingest` process killed (SIGKILL) at any point leaves the previous
snapshot serving, no partial snapshot visible, and the next ingest cleans up and publishes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gpqi.cdm import TABLES
from gpqi.ingest import history as ingest_history
from gpqi.ingest import ingest
from gpqi.ingest.hooks import PAUSE_AT, PAUSE_FILE
from gpqi.ingest.status import workspace_status
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline, event

GPQI = str(Path(sys.executable).parent / "gpqi")


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _start(src: Path, ws: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [GPQI, "ingest", str(src), "--workspace", str(ws), "--as-of", AS_OF.isoformat()],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def _readable(snapshot: Path) -> None:
    """Every table of the snapshot reads in full."""
    con = duckdb.connect()
    for table in TABLES:
        files = [str(p) for p in sorted((snapshot / table).glob("*.parquet"))]
        assert files, table
        con.execute(f"SELECT count(*) FROM read_parquet({files!r})").fetchall()


def _check_serving(ws_root: Path, first_id: str, first_files: dict[str, str]) -> str:
    """The workspace serves a complete snapshot: the first one untouched, or a finished new one."""
    ws = open_workspace(ws_root)
    current = ws.current_snapshot_id()
    assert current is not None
    assert _hashes(ws.snapshot_path(first_id)) == first_files  # the first snapshot is never touched
    for snapshot in ws.snapshots_dir.iterdir():
        # only whole snapshots ever appear here (they are renamed in complete)
        assert (snapshot / "manifest.json").is_file() and (snapshot / "report.json").is_file(), snapshot
        _readable(snapshot)
    return current


@pytest.fixture
def setup(tmp_path):
    ex = baseline()
    first = ingest(ex.write(tmp_path / "src1"), tmp_path / "ws", as_of=AS_OF)
    ex.practices["P1"]["clinical_events"].append(event(1, "P1", AS_OF))
    ex.reference["practices"][0]["name"] = "Practice one (renamed)"
    src2 = ex.write(tmp_path / "src2")
    return (
        tmp_path / "ws",
        src2,
        first.snapshot_id,
        _hashes(tmp_path / "ws" / "snapshots" / first.snapshot_id),
    )


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["reference", "practice:P1", "merged", "staged", "renamed", "switched"])
def test_killed_at_a_stage(tmp_path, setup, stage):
    ws_root, src2, first_id, first_files = setup
    marker = tmp_path / "paused"
    proc = _start(src2, ws_root, {PAUSE_AT: stage, PAUSE_FILE: str(marker)})
    deadline = time.monotonic() + 90
    while not (marker.exists() and stage in marker.read_text()):
        assert proc.poll() is None, "the ingest ended before reaching the stage"
        assert time.monotonic() < deadline, "the ingest never reached the stage"
        time.sleep(0.05)
    _kill(proc)

    current = _check_serving(ws_root, first_id, first_files)
    snapshots = sorted(p.name for p in (ws_root / "snapshots").iterdir())
    status = workspace_status(ws_root)
    if stage == "switched":
        # killed after the switch: the new snapshot is complete and serving
        assert current != first_id and snapshots == sorted([first_id, current])
    else:
        assert current == first_id
        if stage == "renamed":
            # complete, renamed into place but never switched to: shown as interrupted
            (orphan,) = [s for s in snapshots if s != first_id]
            states = {s["snapshot_id"]: s["state"] for s in status["snapshots"]}
            assert states[orphan].startswith("interrupted")
        else:
            assert snapshots == [first_id]

    # the next ingest cleans up and publishes
    outcome = ingest(src2, ws_root, as_of=AS_OF)
    ws = open_workspace(ws_root)
    assert list(ws.staging_dir.iterdir()) == []
    assert not list(ws_root.glob(".CURRENT*"))
    if stage == "switched":
        assert outcome.status == "unchanged" and outcome.snapshot_id == current
        assert current in ingest_history.published_ids(ws)  # recorded as published after all
    else:
        assert outcome.status == "published"
        assert sorted(p.name for p in ws.snapshots_dir.iterdir()) == sorted([first_id, outcome.snapshot_id])
        assert any(r.startswith("staging/") for r in outcome.removed) or stage == "renamed"
    assert ws.current_snapshot_id() == outcome.snapshot_id
    _readable(ws.current_snapshot())


def _big_extract(root: Path, rows: int) -> Path:
    """The baseline with many events for patient 1, so the ingest takes a few seconds."""
    src = baseline().write(root)
    path = src / "practices" / "P1" / "clinical_events.parquet"
    base = pq.read_table(path)
    days = pa.array([(i % 2000) + 18000 for i in range(rows)], pa.int32()).cast(pa.date32())
    extra = pa.table(
        {
            "patient_id": pa.array([1] * rows, pa.int64()),
            "practice_code": pa.array(["P1"] * rows),
            "date": days,
            "code": pa.array([base["code"][0].as_py()] * rows),
            "numeric_value": pa.array([float(i) for i in range(rows)]),
            "unit": pa.array([None] * rows, pa.string()),
        },
        schema=base.schema,
    )
    pq.write_table(pa.concat_tables([base, extra]), path)
    return src


@pytest.mark.slow
def test_killed_at_random_moments(tmp_path, setup):
    """Kills by timing, so some land inside DuckDB queries and Parquet writes, not at a stage."""
    ws_root, _, first_id, first_files = setup
    src = _big_extract(tmp_path / "big", 400_000)
    started = time.monotonic()
    proc = _start(src, tmp_path / "timing-ws")
    proc.wait(timeout=300)
    duration = time.monotonic() - started
    assert proc.returncode == 0
    published = 0
    for fraction in (0.15, 0.35, 0.55, 0.75, 0.9):
        proc = _start(src, ws_root)
        time.sleep(duration * fraction)
        _kill(proc)
        if _check_serving(ws_root, first_id, first_files) != first_id:
            published += 1
            break  # it finished before the kill: later kills would test the no-op path
    final = ingest(src, ws_root, as_of=AS_OF)
    assert final.status == ("unchanged" if published else "published")
    assert list((ws_root / "staging").iterdir()) == []


def test_a_killed_ingest_leaves_a_history_line(tmp_path, setup):
    """Killed outright, an ingest writes no outcome; its started line says it was running, then
    abandoned, so `gpqi status` never reports the earlier success as the last ingest."""
    ws_root, src2, first_id, _ = setup
    marker = tmp_path / "paused"
    proc = _start(src2, ws_root, {PAUSE_AT: "reference", PAUSE_FILE: str(marker)})
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    last = workspace_status(ws_root)["last_ingest"]
    assert (last["outcome"], last["pid"]) == ("running", proc.pid)
    _kill(proc)

    last = workspace_status(ws_root)["last_ingest"]
    assert last["outcome"] == "abandoned" and "killed or crashed" in last["message"]
    assert last["started_at"] and last["previous"] == first_id
    shown = subprocess.run([GPQI, "status", "-w", str(ws_root)], capture_output=True, text=True).stdout
    assert "abandoned" in shown and "killed or crashed" in shown

    # the next ingest marks it abandoned for good, then records its own attempt
    ingest(src2, ws_root, as_of=AS_OF)
    outcomes = [e["outcome"] for e in ingest_history.entries(open_workspace(ws_root))]
    assert outcomes == ["published", "abandoned", "published"]
    lines = (ws_root / "ingest-history.jsonl").read_text().splitlines()
    assert sum('"abandoned"' in line for line in lines) == 1
