"""Appointments without a booking time: said on lead-time pages, through the disclosure gate."""

from __future__ import annotations

import json

from gpqi.access import scope
from gpqi.access.booking import booking_gaps
from gpqi.access.scope import Governance, PracticeInfo
from gpqi.workspace import init_workspace


def _gov() -> Governance:
    practices = {
        code: PracticeInfo(code, f"Surgery {code}", f"Practice {chr(64 + i)}", "N1")
        for i, code in enumerate(["P1", "P2", "P3", "P4"], start=1)
    }
    return Governance(practices, frozenset({"P1", "P2", "P3"}), frozenset(), frozenset({"P1"}))


def _workspace(tmp_path, unknown: dict[str, int]):
    ws = init_workspace(tmp_path / "ws")
    snap = ws.snapshots_dir / "s1"
    snap.mkdir(parents=True)
    (snap / "report.json").write_text(json.dumps({"booking_time_unknown": unknown}))
    (ws.root / "CURRENT").write_text("s1\n")
    return ws


def test_own_practice_exact_peers_disclosed_unshared_absent(tmp_path):
    ws = _workspace(tmp_path, {"P1": 5, "P2": 123, "P3": 6, "P4": 400})
    clinician = scope.scope_for(_gov(), scope.CLINICIAN, practice="P1")
    got = [(g.label, g.appointments) for g in booking_gaps(clinician, ws)]
    # own: exact even below the threshold; peers by pseudonym, rounded or redacted; P4 has no agreement
    assert got == [("Practice B", 125), ("Practice C", None), ("Surgery P1", 5)]
    analyst = scope.scope_for(_gov(), scope.ANALYST)
    assert [(g.label, g.appointments) for g in booking_gaps(analyst, ws)] == [
        ("Surgery P1", 5),
        ("Surgery P2", 123),
        ("Surgery P3", 6),
    ]


def test_nothing_to_say_without_gaps(tmp_path):
    ws = _workspace(tmp_path, {})
    assert booking_gaps(scope.scope_for(_gov(), scope.ANALYST), ws) == []
