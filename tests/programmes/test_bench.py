"""`gpqi bench` on an existing workspace: the report has every measure (timings are reported,
never asserted)."""

from __future__ import annotations

import json
import os
import signal
import threading

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.programmes.bench import MeasureFailed, _in_subprocess
from gpqi.programmes.floor import library_codes
from tests.engine.test_runner import _tables
from tests.spec.builder import write_snapshot


@pytest.mark.slow
def test_bench_reports_floor_one_date_and_series(tmp_path):
    ws = write_snapshot(tmp_path / "ws", _tables())
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(
        app, ["bench", "-w", str(ws.root), "--dates", "monthly:2023-10..2024-03", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["dates"] == 6
    assert report["rows_processed"] == sum(report["rows_by_table"].values()) > 0
    # The floor groups clinical events per patient and code, library codes only.
    codes = set(library_codes(ws).to_pandas().query("source == 'clinical_events'")["code"])
    events = _tables()["clinical_events"]
    assert report["floor"]["groups"]["clinical_events"] == len(
        {(r["patient_id"], r["code"]) for r in events if r["code"] in codes}
    )
    assert report["floor"]["groups"]["registrations"] == len(
        {r["patient_id"] for r in _tables()["registrations"]}
    )
    assert report["ratio_series_to_floor"] == report["time_series"]["seconds"] / report["floor"]["seconds"]
    assert report["ratio_one_date_to_floor"] == report["one_date"]["seconds"] / report["floor"]["seconds"]
    for part in ("floor", "one_date", "time_series"):
        assert report[part]["seconds"] > 0 and report[part]["peak_rss_mb"] > 0
    assert report["time_series"]["result_rows"] > report["one_date"]["result_rows"]
    assert not ws.results_path.exists()  # the bench never writes results


def _killed() -> dict:
    # What the out-of-memory killer does to a measuring process.
    os.kill(os.getpid(), signal.SIGKILL)
    return {}


def _raises() -> dict:
    raise ValueError("no such workspace")


def _measure_in_thread(target):
    """_in_subprocess(target) in a thread, so that a bench that hangs fails the test instead."""
    outcome: dict = {}

    def measure():
        try:
            outcome["value"] = _in_subprocess(target)
        except MeasureFailed as failed:
            outcome["error"] = failed

    thread = threading.Thread(target=measure, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "the bench waited for a measuring process that had died"
    return outcome


def test_a_killed_measuring_process_fails_the_bench_instead_of_hanging():
    outcome = _measure_in_thread(_killed)
    assert "value" not in outcome
    message = str(outcome["error"])
    assert "_killed" in message and "killed by signal 9" in message and "out-of-memory" in message


def test_an_error_in_a_measuring_process_is_raised_with_its_traceback():
    outcome = _measure_in_thread(_raises)
    assert "ValueError: no such workspace" in str(outcome["error"])


@pytest.mark.slow
@pytest.mark.spark
def test_bench_runs_pyspark_on_the_spark_master_given(tmp_path):
    # The workspace says local[*]; --spark-master must win, and the report says what ran.
    ws = write_snapshot(tmp_path / "ws", _tables())
    dates = "monthly:2024-01..2024-03"
    reports = {}
    for backend, extra in (("duckdb", []), ("pyspark", ["--spark-master", "local[1]"])):
        out = tmp_path / f"bench-{backend}.json"
        result = CliRunner().invoke(
            app,
            ["bench", "-w", str(ws.root), "--dates", dates, "--backend", backend, "--out", str(out), *extra],
        )
        assert result.exit_code == 0, result.output
        reports[backend] = json.loads(out.read_text())
    spark, duck = reports["pyspark"], reports["duckdb"]
    assert ws.config.engine.spark_master == "local[*]"
    assert spark["spark_master"] == spark["one_date"]["spark_master"] == "local[1]"
    assert duck["spark_master"] is None
    for part in ("one_date", "time_series"):
        assert spark[part]["result_rows"] == duck[part]["result_rows"] > 0
        assert spark[part]["worklist_rows"] == duck[part]["worklist_rows"]
