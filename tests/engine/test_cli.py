"""`gpqi run`, `gpqi indicators check|show|list` through the real command."""

from __future__ import annotations

from typer.testing import CliRunner

from gpqi.cli import app
from tests.engine.test_runner import _tables
from tests.spec.builder import write_snapshot

runner = CliRunner()


def test_run_prints_a_summary_then_nothing_to_do(tmp_path):
    ws = write_snapshot(tmp_path / "ws", _tables())
    args = ["run", "-w", str(ws.root), "--indicators", "dm-bp,dna-all", "--dates", "monthly:2024-01..2024-03"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "Computed 2 indicator(s)" in first.output
    assert "3 reporting dates" in first.output
    assert ws.results_path.exists()
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert "Nothing to do" in second.output


def test_run_reports_bad_input_clearly(tmp_path):
    ws = write_snapshot(tmp_path / "ws", _tables())
    bad_dates = runner.invoke(app, ["run", "-w", str(ws.root), "--dates", "monthly:2024-13..2025-01"])
    assert bad_dates.exit_code == 2 and "not a month" in bad_dates.output
    bad_id = runner.invoke(app, ["run", "-w", str(ws.root), "--indicators", "nope"])
    assert bad_id.exit_code == 2 and "unknown indicator 'nope'" in bad_id.output
    no_ws = runner.invoke(app, ["run", "-w", str(tmp_path / "missing")])
    assert no_ws.exit_code == 2 and "not a gpqi workspace" in no_ws.output


def test_indicators_check_names_line_and_field(tmp_path):
    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "id: mine\ntitle: My indicator\ndomain: diabetes\nhigher_is_better: true\nreference: local\n"
        "description: a local definition\nauthored_by: me\ndenominator:\n  all:\n"
        "    - age: {min: 17, mx: 3}\nnumerator:\n  all:\n    - event: {codelist: hba1c}\n"
    )
    result = runner.invoke(app, ["indicators", "check", str(bad)])
    assert result.exit_code == 1
    assert "line 10" in result.output and "denominator.all.0.age.mx" in result.output
    good = runner.invoke(app, ["indicators", "check", "gpqi/indicators/library/dm-bp.yaml"])
    assert good.exit_code == 0 and "dm-bp" in good.output


def test_indicators_list_and_show():
    listing = runner.invoke(app, ["indicators", "list", "--domain", "diabetes"])
    assert listing.exit_code == 0 and "dm-hba1c" in listing.output and "flu-65" not in listing.output
    shown = runner.invoke(app, ["indicators", "show", "statin-cvd"])
    assert shown.exit_code == 0 and "CHOL001" in shown.output and "95%" in shown.output
    missing = runner.invoke(app, ["indicators", "show", "nope"])
    assert missing.exit_code != 0
