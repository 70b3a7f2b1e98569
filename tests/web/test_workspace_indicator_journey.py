"""A programme's own indicator and codelist, added by the command line, end to end: synthetic
extract -> `gpqi ingest` -> `gpqi codelists add` -> `gpqi indicators new --like` -> `gpqi
indicators check` -> `gpqi run` -> the dashboard page. A copy of a built-in under another id
and another codelist slug (same codes) gives exactly the built-in's counts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.test import RequestFactory
from typer.testing import CliRunner

from gpqi.cli import app
from tests.web.conftest import PASSWORD

pytestmark = pytest.mark.slow
runner = CliRunner()
CODELIST = "gpqi/codelists/data/pulse_rhythm_check_DERIVED.csv"


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def ws_root(tmp_path_factory):
    base = tmp_path_factory.mktemp("journey")
    root = base / "ws"
    _ok(["synth", "--out", str(base / "extract"), "--practices", "2", "--patients", "600",
         "--start", "2023-01-01", "--end", "2025-12-31", "--seed", "5"])  # fmt: skip
    _ok(["ingest", str(base / "extract"), "-w", str(root)])
    added = _ok(["codelists", "add", CODELIST, "--slug", "my-pulse", "--system", "snomedct", "-w", str(root),
                 "--source", "https://www.opencodelists.org/codelist/user/me/pulse-rhythm/1a2b3c4d/"])  # fmt: skip
    assert "added my-pulse: 2 codes" in added
    _ok(["indicators", "new", "my-pulse-65", "--like", "pulse-check-65", "-w", str(root)])
    path = root / "indicators" / "my-pulse-65.yaml"
    path.write_text(path.read_text().replace("codelist: pulse-rhythm-check", "codelist: my-pulse"))
    assert "my-pulse-65 (version" in _ok(["indicators", "check", "-w", str(root)])
    listing = _ok(["indicators", "list", "-w", str(root)])
    assert "my-pulse-65" in listing and "workspace" in listing
    _ok(["run", "-w", str(root), "--indicators", "pulse-check-65,my-pulse-65", "--dates",
         "monthly:2025-01..2025-12", "--no-worklists"])  # fmt: skip
    return root


def test_the_copy_gives_exactly_the_builtins_counts(ws_root):
    results = pd.read_parquet(ws_root / "results" / "results.parquet")
    cols = ["org_type", "org_code", "reporting_date", "numerator", "denominator", "excluded"]

    def counts(ind: str) -> pd.DataFrame:
        return results[results["indicator_id"] == ind][cols].sort_values(cols[:3]).reset_index(drop=True)

    builtin, copy = counts("pulse-check-65"), counts("my-pulse-65")
    assert len(builtin) > 12 and builtin["denominator"].sum() > 0 and builtin["numerator"].sum() > 0
    pd.testing.assert_frame_equal(builtin, copy)


def test_the_own_indicator_has_its_page_with_definition_and_codelist_provenance(
    ws_root, db, settings, client
):
    from django.contrib.auth.models import User

    from gpqi.web import ws as web_ws
    from gpqi.web.accounts.models import Profile, Role
    from gpqi.web.governance.models import Agreement, Practice
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = ws_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    web_ws._cache.clear()
    sync_organisations(open_workspace(ws_root))
    for practice in Practice.objects.all():
        Agreement.objects.create(practice=practice, status=Agreement.ACTIVE, start_date=dt.date(2020, 1, 1))
    Profile.objects.create(user=User.objects.create_user("analyst", password=PASSWORD), role=Role.ANALYST)
    assert client.login(
        request=RequestFactory().post("/accounts/login/"), username="analyst", password=PASSWORD
    )
    page = client.get("/indicators/my-pulse-65/?focus=programme")
    text = page.content.decode()
    assert page.status_code == 200
    assert "How practices compare" in text and "Waiting for the next run" not in text
    assert "Who is counted" in text and "aged 65 or over" in text
    assert "my-pulse" in text and "workspace" in text and "version 1a2b3c4d" in text
    assert "271636001" in text and "Pulse regular (finding)" in text
    listing = client.get("/indicators/").content.decode()
    assert "/indicators/my-pulse-65/" in listing
