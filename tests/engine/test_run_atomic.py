"""`gpqi run` against a real concurrent ingest and a real kill: it reads the one snapshot that
was current when it started (which the ingest may not prune), and its outputs go in all together
or not at all."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gpqi.engine.hooks import PAUSE_AT, PAUSE_FILE
from gpqi.engine.runner import run, table_rows
from gpqi.ingest import ingest
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline

GPQI = str(Path(sys.executable).parent / "gpqi")
INDICATORS = "hyp-bp-80,flu-65"
DATES = "monthly:2025-01..2025-06"


def _start_run(ws: Path, marker: Path, stage: str, dates: str = DATES) -> subprocess.Popen:
    cmd = [GPQI, "run", "-w", str(ws), "--indicators", INDICATORS, "--dates", dates]
    env = {**os.environ, PAUSE_AT: stage, PAUSE_FILE: str(marker)}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for(proc: subprocess.Popen, marker: Path) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()[0]
        assert time.monotonic() < deadline, "the run never reached the stage"
        time.sleep(0.05)


def _outputs(ws: Path) -> dict[str, str]:
    return {
        str(p.relative_to(ws)): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in (ws / "results", ws / "worklists")
        if folder.exists()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "ws"
    ingest(baseline().write(tmp_path / "src"), ws, as_of=AS_OF)
    config = ws / "gpqi.toml"
    config.write_text(config.read_text().replace("keep_snapshots = 5", "keep_snapshots = 1"))
    return ws


@pytest.mark.slow
def test_an_ingest_published_during_a_run_changes_nothing_it_reads(tmp_path, workspace):
    first = open_workspace(workspace).current_snapshot_id()
    reference = tmp_path / "reference"  # the same snapshot, run undisturbed, for comparison
    shutil.copytree(workspace, reference)
    run(reference, INDICATORS.split(","), dates=DATES)

    marker = tmp_path / "paused"
    proc = _start_run(workspace, marker, "run:opened")
    _wait_for(proc, marker)
    # while the run has the snapshot open: publish one without practice P2 (keep_snapshots = 1,
    # so this ingest would prune the snapshot the run is reading)
    smaller = baseline()
    smaller.reference["practices"] = [p for p in smaller.reference["practices"] if p["practice_code"] != "P2"]
    del smaller.practices["P2"]
    del smaller.practices["P1"]
    second = ingest(smaller.write(tmp_path / "src2"), workspace, as_of=AS_OF, drop_practices=["P2"])
    assert second.status == "published" and second.snapshot_id != first
    assert (workspace / "snapshots" / first).is_dir()  # held by the run: not pruned
    marker.unlink()  # let the run go on
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out

    info = json.loads((workspace / "results" / "run.json").read_text())
    assert info["snapshot_id"] == first
    assert info["rows"]["snapshot"] == table_rows(open_workspace(reference))  # counted in the first snapshot
    assert pq.read_table(workspace / "results" / "results.parquet").equals(
        pq.read_table(reference / "results" / "results.parquet")
    )
    for practice in ("P1", "P2"):
        for ind in INDICATORS.split(","):
            got = pq.read_table(workspace / "worklists" / practice / f"{ind}.parquet")
            assert got.equals(pq.read_table(reference / "worklists" / practice / f"{ind}.parquet"))
    # the next ingest prunes the snapshot the run no longer holds
    third = ingest(smaller.write(tmp_path / "src3"), workspace, as_of=AS_OF.replace(day=29))
    assert first not in third.removed and not (workspace / "snapshots" / first).exists()


@pytest.mark.slow
def test_a_run_killed_before_its_outputs_are_in_place_leaves_the_previous_ones(tmp_path, workspace):
    run(workspace, INDICATORS.split(","), dates=DATES)
    before = _outputs(workspace)
    marker = tmp_path / "paused"
    proc = _start_run(workspace, marker, "run:staged", dates="monthly:2024-01..2024-12")
    _wait_for(proc, marker)
    staged = sorted(p.name for p in workspace.rglob(".*.run"))
    assert any(name.startswith(".run.json.") for name in staged)  # everything written aside ...
    assert len(staged) > 3
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _outputs(workspace) == before  # ... and nothing of it in place

    outcome = run(workspace, INDICATORS.split(","), dates="monthly:2024-01..2024-12")
    assert outcome.computed and not list(workspace.rglob(".*.run"))  # cleaned up, then all new
    info = json.loads((workspace / "results" / "run.json").read_text())
    assert info["dates"]["first"] == "2024-01-31"
    dates = set(pq.read_table(workspace / "results" / "results.parquet")["reporting_date"].to_pylist())
    assert min(dates).isoformat() == "2024-01-31"
