"""`gpqi codelists add|list|show` in a workspace: provenance kept, codes kept as text, and every
spreadsheet-mangled or misnamed file refused with its file, row and field, leaving the workspace
exactly as it was."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.codelists import CodelistError, load
from gpqi.codelists.csvformat import code_problem, verhoeff_ok
from gpqi.codelists.workspace import add, library
from gpqi.workspace import init_workspace

runner = CliRunner()
DATA = Path(__file__).resolve().parents[2] / "gpqi" / "codelists" / "data"
URL = "https://www.opencodelists.org/codelist/user/someone/pulse-rhythm/4e1b6d3a/"


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws")


def _add(ws, path: Path, *extra: str):
    return runner.invoke(app, ["codelists", "add", str(path), "-w", str(ws.root), *extra])


def test_add_copies_the_file_with_provenance_and_list_show_see_it(ws):
    source = DATA / "pulse_rhythm_check_DERIVED.csv"
    out = _add(ws, source, "--slug", "pulse-rhythm", "--system", "snomedct", "--source", URL,
               "--title", "Pulse rhythm")  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "added pulse-rhythm: 2 codes" in out.output
    stored = ws.root / "codelists" / "pulse-rhythm.csv"
    assert stored.read_bytes() == source.read_bytes()  # the download, byte for byte
    entry = library(ws.root).provenance("pulse-rhythm")
    assert entry is not None
    assert (entry.source, entry.version, entry.system, entry.codes) == (URL, "4e1b6d3a", "snomedct", 2)
    assert entry.added_by and re.match(r"\d{4}-\d\d-\d\dT", entry.added_at) and entry.downloaded
    assert entry.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    listing = runner.invoke(app, ["codelists", "list", "-w", str(ws.root)])
    assert "pulse-rhythm" in listing.output and "workspace" in listing.output and "diabetes" in listing.output
    shown = runner.invoke(app, ["codelists", "show", "pulse-rhythm", "-w", str(ws.root)])
    assert shown.exit_code == 0
    assert "271636001" in shown.output and "Pulse regular (finding)" in shown.output
    assert "4e1b6d3a" in shown.output
    bundled = runner.invoke(app, ["codelists", "show", "diabetes", "-w", str(ws.root)])
    assert bundled.exit_code == 0 and "bundled" in bundled.output


def test_dmd_download_columns_are_read_and_long_codes_keep_every_digit(ws, tmp_path):
    statins = load("statins")
    rows = [f"VMP,{code},{statins.terms[code]},0212000B0" for code in statins.codes[:5]]
    path = tmp_path / "statins-dmd.csv"
    path.write_text("dmd_type,dmd_id,dmd_name,bnf_code\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = add(ws.root, path, slug="my-statins", system="dmd")
    assert result.codelist.codes == statins.codes[:5]
    assert max(len(c) for c in library(ws.root).load("my-statins").codes) >= 16
    assert library(ws.root).load("my-statins").terms[statins.codes[0]] == statins.terms[statins.codes[0]]


REFUSALS = [
    # (file text, extra args, what the message must say)
    (
        "code,term\n271636001,Pulse regular\n1.11552E+08,Diabetes\n",
        (),
        r"row 3, field 'code': '1.11552E\+08' is in scientific notation",
    ),
    (
        "code,term\n111552007.0,Diabetes\n",
        (),
        r"row 2, field 'code': '111552007.0' has a decimal part \(a trailing '.0'",
    ),
    ("code,term\n0111552007,Diabetes\n", (), r"row 2, field 'code': '0111552007' starts with 0"),
    ("code,term\n11155,Diabetes\n", (), r"row 2, field 'code': '11155' has 5 digits.*dropped"),
    ("snomed,term\n111552007,Diabetes\n", (), r"row 1: no code column \(looked for code, dmd_id, snomedcode"),
    ("code,term\n111552007,Diabetes\n", ("--system", "read"), r"--system 'read': unknown code system"),
    (
        "code,term\n111552007,Diabetes\n",
        ("--slug", "diabetes"),
        r"--slug 'diabetes': already a bundled codelist",
    ),
    ("code,term\n", (), r"no codes"),
]


@pytest.mark.parametrize(("text", "extra", "message"), REFUSALS)
def test_refusals_name_file_row_and_field_and_change_nothing(ws, tmp_path, text, extra, message):
    add(ws.root, DATA / "pulse_rhythm_check_DERIVED.csv", slug="already-here", system="snomedct")
    before = _tree(ws.root)
    path = tmp_path / "download.csv"
    path.write_text(text, encoding="utf-8")
    args = {"--slug": "mine", "--system": "snomedct"}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        args[flag] = value
    out = _add(ws, path, *[x for pair in args.items() for x in pair])
    assert out.exit_code == 1
    assert re.search(message, out.output.replace("\n", " ")), out.output
    if "row" in message:
        assert str(path) in out.output.replace("\n", "")
    assert "Nothing in the workspace was changed" in out.output
    assert _tree(ws.root) == before


def test_a_slug_already_in_the_workspace_is_refused_and_kept(ws, tmp_path):
    add(ws.root, DATA / "pulse_rhythm_check_DERIVED.csv", slug="pulse", system="snomedct", source="first")
    before = _tree(ws.root)
    with pytest.raises(CodelistError, match="'pulse': already in this workspace"):
        add(ws.root, DATA / "diabetes_dm_cod.csv", slug="pulse", system="snomedct", source="second")
    assert _tree(ws.root) == before
    assert library(ws.root).provenance("pulse").source == "first"


def test_every_bundled_code_passes_the_structure_rules():
    # The rules refuse only what a real SNOMED CT / dm+d download never contains.
    for path in DATA.glob("*.csv"):
        if "ctv3" in path.name:
            continue
        for line in path.read_text(encoding="utf-8-sig").splitlines()[1:]:
            code = line.split(",")[0]
            assert code_problem(code) is None, (path.name, code)


def test_verhoeff_check_digit():
    assert verhoeff_ok("22298006") and verhoeff_ok("34953211000001105")
    assert not verhoeff_ok("22298007")


def test_a_check_digit_failure_is_a_warning_not_a_refusal(ws, tmp_path):
    path = tmp_path / "typo.csv"
    path.write_text("code,term\n22298007,Myocardial infarction (typo)\n22298006,Myocardial infarction\n")
    out = _add(ws, path, "--slug", "mi", "--system", "snomedct")
    assert out.exit_code == 0
    assert "warning" in out.output and "row 2 (22298007)" in out.output
