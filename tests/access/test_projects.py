"""gpqi.access.projects without Django: who may edit and see a project, team visibility, and the
definition changes read from the engine's version history."""

from __future__ import annotations

import json

from gpqi.access import projects, scope
from gpqi.workspace import init_workspace
from tests.access.test_scope_focus_ranking import _gov


def test_edit_and_see_rules_per_role():
    gov = _gov()
    clinician = scope.scope_for(gov, scope.CLINICIAN, practice="P1")
    lead = scope.scope_for(gov, scope.NETWORK_LEAD, network="N1")
    facilitator = scope.scope_for(gov, scope.FACILITATOR, practices=frozenset({"P3", "P6"}))
    analyst = scope.scope_for(gov, scope.ANALYST)
    assert projects.may_edit(clinician, ["P1"]) and not projects.may_edit(clinician, ["P1", "P2"])
    assert projects.may_edit(lead, ["P1", "P2", "P3"]) and not projects.may_edit(lead, ["P4"])
    assert projects.may_edit(facilitator, ["P6"]) and not projects.may_edit(facilitator, ["P1"])
    assert projects.may_edit(analyst, ["P1", "P6"]) and projects.may_edit(analyst, [])
    assert not projects.may_edit(clinician, [])
    # P6 has no agreement in force: shown only to those who may edit the project
    assert not projects.may_see(clinician, ["P6"]) and projects.may_see(facilitator, ["P6"])
    assert projects.shown_practices(clinician, ["P3", "P6"]) == ["P3"]
    # team names only where every practice is named (P2 permits naming; P3 does not)
    assert projects.team_visible(clinician, ["P1", "P2"]) and not projects.team_visible(
        clinician, ["P1", "P3"]
    )
    assert projects.team_visible(analyst, ["P3"])


def test_definition_marks_from_version_history(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    path = ws.results_dir / "versions.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        {"indicator_id": "a", "version": "v1aaaaaaaa", "previous_version": None, "last_date": "2024-01-31"},
        {
            "indicator_id": "a",
            "version": "v2bbbbbbbb",
            "previous_version": "v1aaaaaaaa",
            "last_date": "2025-03-31",
        },
        {"indicator_id": "b", "version": "v9", "previous_version": "v8", "last_date": "2025-04-30"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{torn", encoding="utf-8")
    marks = projects.definition_marks(ws, "a")
    assert [(m.date.isoformat(), m.kind) for m in marks] == [("2025-03-31", "definition")]
    assert "v2bbbbbb" in marks[0].label
