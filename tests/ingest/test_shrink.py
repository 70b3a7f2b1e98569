"""The shrink guard: a bad or empty re-send of a practice is refused instead of erasing it.

The attacks are the ones that used to publish with exit 0: one practice sent again with every row
bad, or with a patients file that has only a header. Each runs the real `gpqi ingest` command.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from gpqi.ingest import IngestError, ingest
from gpqi.ingest import history as ingest_history
from gpqi.ingest.shrink import TOTAL, Finding, Limits, findings, refusal
from gpqi.ingest.status import workspace_status
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline, event

GPQI = str(Path(sys.executable).parent / "gpqi")


def _gpqi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GPQI, *args], capture_output=True, text=True, env={"COLUMNS": "250", "PATH": "/usr/bin:/bin"}
    )


def _tree(ws: Path) -> dict[str, str]:
    skip = {"ingest-history.jsonl", ".ingest.lock"}
    return {
        str(p.relative_to(ws)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(ws.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def _only_p1(ex):
    part = ex.copy()
    part.practices = {"P1": part.practices["P1"]}
    part.reference = {}
    return part


def _all_bad(ex):
    """P1 as a broken system sends it: every patient id not a number, every date in the future,
    sex as a letter."""
    bad = _only_p1(ex)
    future = date(2099, 1, 1)
    for table, rows in bad.practices["P1"].items():
        for row in rows:
            row["patient_id"] = "abc"
            for key in ("date", "start_date", "date_of_birth"):
                if key in row:
                    row[key] = future
            if table == "patients":
                row["sex"] = "F"
    return bad


@pytest.fixture
def published(tmp_path):
    ws = tmp_path / "ws"
    first = _gpqi("ingest", str(baseline().write(tmp_path / "src0")), "-w", str(ws), "--as-of", str(AS_OF))
    assert first.returncode == 0, first.stdout + first.stderr
    return ws


@pytest.mark.parametrize("attack", ["every row bad", "header-only patients file"])
def test_a_bad_resend_is_refused_and_nothing_changes(tmp_path, published, attack):
    ws = published
    ex = baseline()
    if attack == "every row bad":
        src = _all_bad(ex).write(tmp_path / "bad", "csv")
    else:
        part = _only_p1(ex)
        part.practices["P1"]["patients"] = []
        src = part.write(tmp_path / "bad", "csv")
        # a header with no trailing newline: the shortest file a broken export writes
        path = src / "practices" / "P1" / "patients.csv"
        path.write_text(path.read_text().rstrip("\n"))
    before = _tree(ws)
    current = open_workspace(ws).current_snapshot_id()

    result = _gpqi("ingest", str(src), "-w", str(ws), "--as-of", str(AS_OF))

    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, out
    assert "Nothing was published" in out
    assert "practice P1 patients would go from 3 rows to 0" in out
    n = sum(len(rows) for rows in baseline().practices["P1"].values())
    assert f"practice P1 would go from {n} rows to 0" in out
    assert "--accept-shrink P1" in out
    assert _tree(ws) == before and open_workspace(ws).current_snapshot_id() == current
    last = ingest_history.entries(open_workspace(ws))[-1]
    assert last["outcome"] == "refused" and "P1" in last["message"]
    status = _gpqi("status", "-w", str(ws))
    assert "refused" in status.stdout, status.stdout

    # told to, it publishes, and says so in the report, the history and gpqi status
    forced = _gpqi("ingest", str(src), "-w", str(ws), "--as-of", str(AS_OF), "--accept-shrink", "P1")
    forced_out = " ".join(forced.stdout.split())
    assert forced.returncode == 0, forced_out + forced.stderr
    assert "accepted with --accept-shrink: practice P1 would go from" in forced_out
    state = workspace_status(ws)
    assert state["current"]["snapshot_id"] != current
    assert state["practices"]["P1"]["rows"]["patients"] == 0
    assert {(f["practice"], f["table"]) for f in state["accepted_shrink"]} >= {
        ("P1", "patients"),
        ("P1", TOTAL),
    }
    assert state["last_ingest"]["accepted_shrink"]
    shown = " ".join(_gpqi("status", "-w", str(ws)).stdout.split())
    assert "accepted a shrink with --accept-shrink P1" in shown
    assert "accepted with --accept-shrink: practice P1" in shown


def _config(ws: Path, **settings) -> None:
    path = ws / "gpqi.toml"
    text = path.read_text()
    for key, value in settings.items():
        text = text.replace(f"\n{key} = ", f"\n{key} = {value}\n# was ")
    path.write_text(text)


def test_losing_more_than_the_share_is_refused_and_the_limit_itself_is_not(tmp_path):
    ex = baseline()
    ex.practices["P1"]["clinical_events"] += [event(1, "P1", date(2020, 1, d)) for d in range(1, 7)]
    ws = tmp_path / "ws"
    ingest(ex.write(tmp_path / "a"), ws, as_of=AS_OF)  # P1: 10 events
    _config(ws, max_shrink="0.3", shrink_min_rows="5")
    part = _only_p1(ex)
    part.practices["P1"]["clinical_events"] = part.practices["P1"]["clinical_events"][:7]  # loses 30%
    assert ingest(part.write(tmp_path / "b"), ws, as_of=AS_OF).status == "published"
    part.practices["P1"]["clinical_events"] = part.practices["P1"]["clinical_events"][:4]
    with pytest.raises(IngestError, match=r"P1 clinical_events would go from 7 rows to 4 \(losing 43%"):
        ingest(part.write(tmp_path / "c"), ws, as_of=AS_OF)


def test_a_high_quarantined_share_is_refused_for_a_new_practice_too(tmp_path):
    ex = baseline()
    ex.practices["P2"]["clinical_events"] += [event(4, "P2", date(2099, 1, d)) for d in range(1, 4)]
    ws = tmp_path / "ws"
    (ws).mkdir()
    ingest(baseline().write(tmp_path / "seed"), tmp_path / "seed-ws", as_of=AS_OF)
    (ws / "gpqi.toml").write_text((tmp_path / "seed-ws" / "gpqi.toml").read_text())
    _config(ws, max_quarantined="0.5", shrink_min_rows="5")
    # P2's events: 3 of 5 in the future -> 60% quarantined, on the very first ingest
    with pytest.raises(IngestError) as err:
        ingest(ex.write(tmp_path / "a"), ws, as_of=AS_OF)
    assert "practice P2 clinical_events: 3 of 5 rows read would be quarantined (60%" in str(err.value)
    assert open_workspace(ws).current_snapshot_id() is None
    ok = ingest(ex.write(tmp_path / "b"), ws, as_of=AS_OF, accept_shrink=["P2"])
    assert [f["kind"] for f in ok.report["accepted_shrink"]] == ["quarantined"]


def test_accepting_a_practice_that_is_not_in_the_extract_is_an_error(tmp_path, published):
    with pytest.raises(IngestError, match="--accept-shrink P9: the extract holds no data for practice P9"):
        ingest(_only_p1(baseline()).write(tmp_path / "x"), published, as_of=AS_OF, accept_shrink=["P9"])


LIMITS = Limits(max_shrink=0.2, max_quarantined=0.2, min_rows=10)


@pytest.mark.parametrize(
    ("before", "after", "kind"),
    [
        (10, 8, None),  # exactly the limit: allowed
        (10, 7, "shrink"),
        (100, 80, None),
        (100, 79, "shrink"),
        (9, 1, None),  # below min_rows the share is not judged
        (1, 0, "lost_all"),  # but losing everything always is
        (0, 0, None),
        (5, 50, None),  # growing is fine
    ],
)
def test_loss_boundaries(before, after, kind):
    found = findings(["P1"], {"P1": {"patients": before}}, {"P1": {"patients": after}}, {}, LIMITS)
    mine = [f for f in found if f.table == "patients"]
    assert mine == ([Finding("P1", "patients", kind, before, after)] if kind else [])


@pytest.mark.parametrize(
    ("read", "quarantined", "flagged"),
    [(10, 2, False), (10, 3, True), (100, 20, False), (100, 21, True), (9, 9, False)],
)
def test_quarantine_boundaries(read, quarantined, flagged):
    counts = {"P1": {"clinical_events": {"read": read, "quarantined": quarantined}}}
    found = findings(["P1"], {}, {}, counts, LIMITS)
    assert any(f.kind == "quarantined" and f.table == "clinical_events" for f in found) == flagged


def test_totals_are_judged_as_well_as_tables():
    before = {"P1": {"patients": 6, "clinical_events": 6}}
    after = {"P1": {"patients": 5, "clinical_events": 4}}  # each below min_rows; together 12 -> 9
    found = findings(["P1"], before, after, {}, LIMITS)
    assert found == [Finding("P1", TOTAL, "shrink", 12, 9)]


def test_the_refusal_names_each_reason_and_its_counts():
    """The words an operator reads when the guard stops an ingest (mutants that dropped the
    table, the kind or the plural survived the other tests)."""
    lost = Finding("P1", TOTAL, "lost_all", 1, 0)
    shrunk = Finding("P2", "events", "shrink", 1200, 600)
    bad = Finding("P2", "patients", "quarantined", 100, 40)
    assert lost.sentence(LIMITS) == "practice P1 would go from 1 row to 0 (every row lost)"
    assert shrunk.sentence(LIMITS) == (
        "practice P2 events would go from 1,200 rows to 600 (losing 50%; the limit is 20%)"
    )
    assert bad.sentence(LIMITS) == (
        "practice P2 patients: 40 of 100 rows read would be quarantined (40%; the limit is 20%)"
    )
    assert Finding("P3", "patients", "lost_all", 2, 0).sentence(LIMITS) == (
        "practice P3 patients would go from 2 rows to 0 (every row lost)"
    )
    assert refusal([lost, shrunk, bad], LIMITS) == (
        "refused to replace practice data with much less of it: "
        f"{lost.sentence(LIMITS)}; {shrunk.sentence(LIMITS)}; {bad.sentence(LIMITS)}. "
        "Check the extract; if it is right, run the ingest again with --accept-shrink P1 --accept-shrink P2"
    )


def test_a_table_or_practice_missing_from_the_new_snapshot_is_every_row_lost():
    before = {"P1": {"patients": 100, "events": 500}}
    found = findings(["P1"], before, {"P1": {"patients": 100, "medications": 30}}, {}, LIMITS)
    assert found == [
        Finding("P1", "events", "lost_all", 500, 0),
        Finding("P1", TOTAL, "shrink", 600, 130),
    ]  # medications, new, is no loss
    assert findings(["P1"], before, {}, {}, LIMITS) == [
        Finding("P1", "events", "lost_all", 500, 0),
        Finding("P1", "patients", "lost_all", 100, 0),
        Finding("P1", TOTAL, "lost_all", 600, 0),
    ]


def test_quarantine_over_the_whole_practice_counts_tables_too_small_alone():
    """Three tables of 5 rows (below min_rows, so not judged alone), 3 of each quarantined: the
    practice as a whole has 9 of 15 quarantined, over the limit."""
    counts = {"P1": {t: {"read": 5, "quarantined": 3} for t in ("events", "medications", "patients")}}
    assert findings(["P1"], {}, {}, counts, LIMITS) == [Finding("P1", TOTAL, "quarantined", 15, 9)]
    calm = {"P1": {t: {"read": 5, "quarantined": 1} for t in ("events", "medications", "patients")}}
    assert findings(["P1"], {}, {}, calm, LIMITS) == []  # 3 of 15: 20%, the limit itself
