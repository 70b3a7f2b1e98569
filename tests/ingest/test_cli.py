"""`gpqi ingest` and `gpqi status` as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.ingest import IngestError, ingest
from gpqi.ingest.snapshot import ingest_lock
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def invoke(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


@pytest.fixture
def src(tmp_path):
    ex = baseline()
    ex.practices["P2"]["patients"][1]["sex"] = "Male"  # one row to quarantine
    return ex.write(tmp_path / "src")


def test_ingest_prints_the_report_then_status_shows_it(tmp_path, src):
    ws = tmp_path / "ws"
    result = invoke("ingest", str(src), "--workspace", str(ws), "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Rows by table" in out and "Quarantined rows by rule" in out
    assert "enumeration" in out and "Published snapshot" in out
    snapshot_id = open_workspace(ws).current_snapshot_id()
    assert snapshot_id in out
    # patient-level values never reach the terminal, even for the quarantined row
    for secret in ("Given4", "Family4", "Male", baseline().practices["P2"]["patients"][1]["nhs_number"]):
        assert secret not in out

    again = invoke("ingest", str(src), "--workspace", str(ws), "--as-of", AS_OF.isoformat())
    assert again.exit_code == 0 and "Unchanged" in again.output

    status = invoke("status", "--workspace", str(ws))
    assert status.exit_code == 0, status.output
    assert f"Current snapshot {snapshot_id}" in status.output
    assert "Last ingest" in status.output and "unchanged" in status.output
    assert "No indicator run yet" in status.output


def test_status_json(tmp_path, src):
    ws = tmp_path / "ws"
    outcome = ingest(src, ws, as_of=AS_OF)
    result = invoke("status", "--workspace", str(ws), "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    manifest = json.loads((ws / "snapshots" / outcome.snapshot_id / "manifest.json").read_text())
    assert status["current"]["snapshot_id"] == outcome.snapshot_id
    assert status["current"]["state"] == "current"
    assert status["tables"] == {t: v["rows"] for t, v in manifest["tables"].items()}
    assert status["practices"]["P2"]["rows"]["patients"] == manifest["practices"]["P2"]["rows"]["patients"]
    assert status["practices"]["P2"]["quarantined"]["patients"] == 1
    assert status["quarantine"]["patients"] == 1
    assert status["last_ingest"]["outcome"] == "published"
    assert status["last_run"] is None

    run_info = {
        "run_at": "2026-01-01T00:00:00+00:00",
        "snapshot_id": outcome.snapshot_id,
        "backend": "duckdb",
        "dates": {"first": "2025-01-31", "last": "2025-06-30", "count": 6},
        "indicators": {"dm-bp": {}, "af-reg": {}},
        "timings_seconds": {"total": 1.5},
    }
    (ws / "results").mkdir()
    (ws / "results" / "run.json").write_text(json.dumps(run_info))
    last_run = json.loads(invoke("status", "--workspace", str(ws), "--json").output)["last_run"]
    assert last_run["indicators"] == 2 and last_run["on_current_snapshot"] is True
    assert last_run["dates"] == run_info["dates"]
    assert "Last run" in invoke("status", "--workspace", str(ws)).output


def test_ingest_json_output(tmp_path, src):
    result = invoke("ingest", str(src), "-w", str(tmp_path / "ws"), "--as-of", AS_OF.isoformat(), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "published"
    assert data["report"]["tables"]["patients"]["quarantined"] == 1


def test_default_workspace_is_created_in_the_current_folder(tmp_path, src, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert invoke("ingest", str(src), "--as-of", AS_OF.isoformat()).exit_code == 0
    assert (tmp_path / "gpqi-workspace" / "gpqi.toml").is_file()
    assert invoke("status").exit_code == 0


def test_bad_file_exits_non_zero_naming_it(tmp_path, src):
    bad = src / "practices" / "P1" / "medications.parquet"
    bad.write_bytes(b"garbage")
    result = invoke("ingest", str(src), "-w", str(tmp_path / "ws"))
    assert result.exit_code == 1
    assert "ingest failed" in result.output and "medications.parquet" in result.output
    assert "Nothing was published" in result.output


def test_bad_arguments(tmp_path, src):
    assert invoke("ingest", str(src), "-w", str(tmp_path / "ws"), "--as-of", "31/12/2024").exit_code == 2
    result = invoke("status", "-w", str(tmp_path / "nothing-here"))
    assert result.exit_code == 1 and "not a gpqi workspace" in result.output


def test_one_ingest_at_a_time(tmp_path, src):
    ws = tmp_path / "ws"
    ingest(src, ws, as_of=AS_OF)
    with ingest_lock(open_workspace(ws)), pytest.raises(IngestError, match="another gpqi ingest is running"):
        ingest(src, ws, as_of=AS_OF)


def test_drop_practice_option(tmp_path, src):
    ws = tmp_path / "ws"
    assert invoke("ingest", str(src), "-w", str(ws), "--as-of", AS_OF.isoformat()).exit_code == 0
    part = baseline()
    part.practices = {"P1": part.practices["P1"]}
    part.reference["practices"] = [p for p in part.reference["practices"] if p["practice_code"] == "P1"]
    partial = part.write(tmp_path / "partial")
    refused = invoke("ingest", str(partial), "-w", str(ws), "--as-of", AS_OF.isoformat())
    assert refused.exit_code == 1 and "--drop-practice P2" in refused.output
    result = invoke(
        "ingest", str(partial), "-w", str(ws), "--as-of", AS_OF.isoformat(), "--drop-practice", "P2"
    )
    assert result.exit_code == 0, result.output
    status = json.loads(invoke("status", "-w", str(ws), "--json").output)
    assert sorted(status["practices"]) == ["P1"]
