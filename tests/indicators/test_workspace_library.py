"""A workspace's library: its own definitions extend the built-ins, one with a built-in's id
overrides it, `[indicators]` in gpqi.toml chooses the built-ins, and `new|list|show|check`
work on it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.codelists.workspace import add
from gpqi.indicators import IndicatorError, get, load_library
from gpqi.indicators.workspace import load_workspace_library, workspace_library
from gpqi.workspace import init_workspace, open_workspace
from tests.spec.builder import write_snapshot

runner = CliRunner()
LIBRARY = Path(__file__).resolve().parents[2] / "gpqi" / "indicators" / "library"
CODELISTS = Path(__file__).resolve().parents[2] / "gpqi" / "codelists" / "data"


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def _write(ws, name: str, text: str) -> Path:
    path = ws.root / "indicators" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _config(ws, section: str):
    ws.config_path.write_text(ws.config_path.read_text() + "\n[indicators]\n" + section + "\n")
    return open_workspace(ws.root)


def test_without_a_workspace_the_library_is_the_builtins():
    lib = load_workspace_library(None)
    assert [i.id for i in lib.selected()] == [i.id for i in load_library()]
    assert {e.origin for e in lib.entries.values()} == {"built-in"}


def test_own_definitions_extend_and_an_id_of_a_builtin_overrides_it(ws):
    base = (LIBRARY / "dm-bp.yaml").read_text()
    _write(ws, "dm-bp", base.replace("max: 140", "max: 150"))
    _write(ws, "dm-bp-local", base.replace("id: dm-bp", "id: dm-bp-local"))
    lib = workspace_library(ws)
    assert lib.entry("dm-bp").origin == "override"
    assert lib.get("dm-bp").version != get("dm-bp").version
    assert lib.entry("dm-bp-local").origin == "workspace"
    # A copy under another id has the same logic, so the same version hash.
    assert lib.get("dm-bp-local").version == get("dm-bp").version
    ids = [i.id for i in lib.selected()]
    assert ids.count("dm-bp") == 1 and "dm-bp-local" in ids and len(ids) == len(load_library()) + 1
    listing = runner.invoke(app, ["indicators", "list", "-w", str(ws.root)], env={"COLUMNS": "220"})
    row = next(line for line in listing.output.splitlines() if "│ dm-bp " in line)
    assert "overrides" in row


def test_selection_chooses_builtins_and_exclude_removes(ws):
    _write(ws, "mine", (LIBRARY / "flu-65.yaml").read_text().replace("id: flu-65", "id: mine"))
    ws = _config(ws, 'builtins = ["dm-bp", "flu-65"]\nexclude = ["flu-65"]')
    lib = workspace_library(ws)
    assert sorted(i.id for i in lib.selected()) == ["dm-bp", "mine"]
    assert not lib.entry("flu-65").selected and lib.entry("dm-hba1c").origin == "built-in"


def test_selection_naming_an_unknown_id_is_an_error_naming_the_field(ws):
    ws = _config(ws, 'builtins = ["dm-bp", "dm-bpp"]')
    with pytest.raises(IndicatorError, match=r"gpqi.toml: indicators.builtins: 'dm-bpp' is not a built-in"):
        workspace_library(ws)
    checked = runner.invoke(app, ["indicators", "check", "-w", str(ws.root)])
    assert checked.exit_code == 1 and "'dm-bpp' is not a built-in" in checked.output


def test_own_codelists_are_usable_and_their_codes_set_the_version(ws):
    add(ws.root, CODELISTS / "pulse_rhythm_check_DERIVED.csv", slug="my-pulse", system="snomedct")
    text = (LIBRARY / "pulse-check-65.yaml").read_text().replace("id: pulse-check-65", "id: my-pulse-65")
    text = text.replace("codelist: pulse-rhythm-check", "codelist: my-pulse")
    _write(ws, "my-pulse-65", text)
    first = workspace_library(ws).get("my-pulse-65")
    assert first.codelist_slugs() == ["my-pulse"]
    version = first.version
    (ws.root / "codelists" / "my-pulse.csv").write_text("code,term\n271636001,Pulse regular (finding)\n")
    changed = workspace_library(ws).get("my-pulse-65")
    assert changed.version != version  # the codes are part of the version


def test_a_bad_file_is_reported_by_check_and_stops_a_strict_load(ws):
    _write(ws, "broken", (LIBRARY / "dm-bp.yaml").read_text().replace("id: dm-bp", "id: broken")
           .replace("codelist: diabetes,", "codelist: diabetez,"))  # fmt: skip
    _write(ws, "misnamed", (LIBRARY / "dm-bp.yaml").read_text().replace("id: dm-bp", "id: other"))
    with pytest.raises(IndicatorError, match="unknown codelist 'diabetez'"):
        workspace_library(ws)
    loose = workspace_library(ws, strict=False)
    assert "broken" not in loose.entries
    out = runner.invoke(app, ["indicators", "check", "-w", str(ws.root)])
    assert out.exit_code == 1
    line = next(
        n for n, text in enumerate((LIBRARY / "dm-bp.yaml").read_text().splitlines(), 1)
        if "codelist: diabetes," in text
    )  # fmt: skip
    assert (
        f"broken.yaml: line {line}, denominator.all.1.on_register.codelist: unknown codelist 'diabetez'"
        in out.output
    )
    assert "misnamed.yaml: line 1, id: 'other' does not match the file name misnamed.yaml" in out.output
    write_snapshot(ws.root, {})
    run = runner.invoke(app, ["run", "-w", str(ws.root)])
    assert run.exit_code == 2 and "diabetez" in run.output


def test_new_writes_a_starting_file_that_checks(ws):
    out = runner.invoke(app, ["indicators", "new", "bp-local", "--like", "dm-bp", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    path = ws.root / "indicators" / "bp-local.yaml"
    assert path.read_text().startswith("id: bp-local\n")
    blank = runner.invoke(app, ["indicators", "new", "pulse-local", "-w", str(ws.root)])
    assert blank.exit_code == 0
    checked = runner.invoke(app, ["indicators", "check", "-w", str(ws.root)])
    assert checked.exit_code == 0, checked.output
    assert "bp-local" in checked.output and "pulse-local" in checked.output
    again = runner.invoke(app, ["indicators", "new", "bp-local", "-w", str(ws.root)])
    assert again.exit_code == 1 and "already exists" in again.output
    shown = runner.invoke(app, ["indicators", "show", "bp-local", "-w", str(ws.root)])
    assert shown.exit_code == 0 and "In plain English" in shown.output and "aged 17 or over" in shown.output
    assert "Diabetes register (QOF DM_COD)" in shown.output
