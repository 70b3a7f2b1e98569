"""`gpqi bench` on an existing workspace: the report has every measure (timings are reported,
never asserted)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
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
