"""The demo's QI projects (on the improvement programme's practices, from the extract's manifest)
and alert subscriptions: created once, with PDSA cycles from the programme's start."""

from __future__ import annotations

import json
import shutil
import subprocess

from tests.web.conftest import login, programme, workspace_root  # noqa: F401


def test_demo_projects_and_subscriptions(programme):  # noqa: F811
    from gpqi.programmes.demo_projects import setup_alert_subscriptions, setup_projects, write_network_pack
    from gpqi.web.alerts.models import Subscription
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Change, PdsaCycle, Project
    from gpqi.workspace import open_workspace

    ws = open_workspace(programme.root)
    chosen = list(Practice.objects.filter(network__code=programme.network).values_list("code", flat=True))
    manifest = ws.root / "demo-extract" / "manifest.json"
    manifest.parent.mkdir(exist_ok=True)
    programme_info = {"start": "2024-04-01", "practices": chosen, "networks": [programme.network]}
    manifest.write_text(json.dumps({"programme": programme_info}))
    try:
        assert setup_projects(ws) == 2  # one network project, one practice project
        assert setup_projects(ws) == 2  # safe to repeat
        pack = write_network_pack(ws)
        text = subprocess.run(["pdftotext", str(pack), "-"], capture_output=True, check=True).stdout.decode()
        assert f"Network {programme.network}" in text and "Pulse checks in the over-65s" in text
    finally:
        manifest.unlink()
        if (ws.root / "packs").exists():
            shutil.rmtree(ws.root / "packs")
    network_project = Project.objects.get(indicator_id="pulse-check-65")
    assert sorted(network_project.practice_codes()) == sorted(chosen)
    assert network_project.limits_from.isoformat() == "2024-04-01"
    starts = [c.start.isoformat() for c in PdsaCycle.objects.filter(project=network_project)]
    assert starts == ["2024-04-01", "2024-08-01", "2025-04-01"]
    assert Change.objects.filter(action="created", object_type="project").count() == 2
    assert setup_alert_subscriptions() == 4
    assert set(Subscription.objects.values_list("user__username", flat=True)) == {
        "clinician",
        "manager",
        "facilitator",
        "networklead",
    }
