"""Named results series (`run(..., series=NAME)`, `gpqi run --series NAME`): a campaign's weekly
run lives in its own files and leaves the main results, run.json and worklists untouched."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from gpqi.engine import run
from gpqi.engine.schema import RESULTS
from gpqi.workspace import WorkspaceError
from tests.engine.test_runner import _tables
from tests.spec.builder import table, write_snapshot
from tests.spec.framework import _codes

# Patients 1, 2 (P1) and 6 (P2/P3) are 65 or over; 1 is vaccinated on 10 Sept, 2 on 1 Oct 2023.
VACCINATIONS = """
    patient_id | practice_code | date | code
    1 | P1 | 2023-09-10 | @flu-vaccination
    2 | P1 | 2023-10-01 | @flu-vaccination
    2 | P1 | 2022-10-01 | @flu-vaccination
"""
WEEKLY = "weekly:2023-09-03..2023-10-08"


@pytest.fixture
def ws(tmp_path):
    tables = _tables()
    tables["vaccinations"] = [_codes(r) for r in table(VACCINATIONS)]
    return write_snapshot(tmp_path / "ws", tables)


def _p1(results, day: str) -> tuple[int, int]:
    row = results[
        (results["org_code"] == "P1") & (results["reporting_date"] == dt.date.fromisoformat(day))
    ].iloc[0]
    return int(row.numerator), int(row.denominator)


def test_series_run_keeps_main_results_and_worklists(ws):
    run(ws, ["flu-65", "dm-bp"], dates="monthly:2023-12..2024-03")
    main_bytes = ws.results_path.read_bytes()
    main_info = ws.run_info_path.read_text()
    worklist = ws.worklist_path("P1", "flu-65")
    worklist_mtime = worklist.stat().st_mtime_ns

    outcome = run(ws, ["flu-65"], dates=WEEKLY, series="campaign-flu-2023")
    series_path = ws.series_results_path("campaign-flu-2023")
    assert series_path == ws.root / "results" / "series" / "campaign-flu-2023" / "results.parquet"
    # The main results, run info and worklists are untouched.
    assert ws.results_path.read_bytes() == main_bytes
    assert ws.run_info_path.read_text() == main_info
    assert worklist.stat().st_mtime_ns == worklist_mtime
    # The series holds the weekly dates only, cumulative since 1 September.
    stored = pq.read_table(series_path)
    assert stored.schema.equals(RESULTS)
    weekly = stored.to_pandas()
    assert sorted(set(weekly["reporting_date"])) == [
        dt.date(2023, 9, 3) + dt.timedelta(days=7 * i) for i in range(6)
    ]
    assert set(weekly["indicator_id"]) == {"flu-65"}
    assert _p1(weekly, "2023-09-03") == (0, 2)  # last season's dose does not count
    assert _p1(weekly, "2023-09-10") == (1, 2)  # vaccinated that day
    assert _p1(weekly, "2023-09-24") == (1, 2)
    assert _p1(weekly, "2023-10-01") == (2, 2)
    assert len(outcome.results) == len(weekly)
    info = json.loads(ws.series_run_info_path("campaign-flu-2023").read_text())
    assert info["series"] == "campaign-flu-2023"
    assert info["indicators"]["flu-65"]["worklists"] is False
    assert ws.series_list_sizes_path("campaign-flu-2023").exists()

    # Re-running the series is a no-op for that series; the main run is still a no-op too.
    mtime = series_path.stat().st_mtime_ns
    assert run(ws, ["flu-65"], dates=WEEKLY, series="campaign-flu-2023").skipped
    assert series_path.stat().st_mtime_ns == mtime
    assert run(ws, ["flu-65", "dm-bp"], dates="monthly:2023-12..2024-03").skipped
    # A later week extends the series only.
    longer = run(ws, ["flu-65"], dates="weekly:2023-09-03..2023-10-15", series="campaign-flu-2023")
    assert longer.computed == ["flu-65"]
    assert ws.results_path.read_bytes() == main_bytes


@pytest.mark.parametrize("name", ["Flu", "../x", "", "a b", "-lead"])
def test_bad_series_name_is_refused_before_any_work(ws, name):
    with pytest.raises(WorkspaceError, match="series name"):
        run(ws, ["flu-65"], dates=WEEKLY, series=name)
    assert not (ws.root / "results").exists()


def test_cli_series(ws):
    from typer.testing import CliRunner

    from gpqi.cli import app

    result = CliRunner().invoke(
        app,
        ["run", "-w", str(ws.root), "--indicators", "flu-65", "--dates", WEEKLY, "--series", "flu-test"],
    )
    assert result.exit_code == 0, result.output
    assert ws.series_results_path("flu-test").exists()
    assert not ws.results_path.exists()
    assert "results/series/flu-test" in result.output
    bad = CliRunner().invoke(app, ["run", "-w", str(ws.root), "--dates", WEEKLY, "--series", "Bad Name"])
    assert bad.exit_code == 2 and "series name" in bad.output
