"""`gpqi indicators check` on hostile files: no traceback, every file checked, every problem named.

Each test is an attack that once made the command crash or mislead: a binary or non-UTF-8
file, 10,000-deep nesting, a file far too big, a duplicate `id:` key, and an error message that
Rich markup used to cut short."""

from __future__ import annotations

import time
from pathlib import Path

from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.indicators.checking import MAX_BYTES, check_bytes, check_text

runner = CliRunner()
GOOD = (Path(__file__).resolve().parents[2] / "gpqi" / "indicators" / "library" / "dm-bp.yaml").read_text()


def _check(*paths: Path):
    return runner.invoke(app, ["indicators", "check", *map(str, paths)])


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def test_binary_and_non_utf8_files_are_named_and_the_rest_still_checked(tmp_path):
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(GOOD.replace("Diabetes —", "Diab\xe9tes -").encode("latin-1", errors="replace"))
    good = tmp_path / "dm-bp.yaml"
    good.write_text(GOOD)
    result = _check(binary, latin, good)
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"{binary}: contains NUL bytes" in result.output
    assert f"{latin}: not UTF-8 text (byte" in result.output
    assert "✓" in result.output and "dm-bp (version" in result.output  # the good file after two bad


def test_ten_thousand_deep_nesting_is_refused_quickly(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text("id: deep\ndenominator: " + "[" * 10_000 + "]" * 10_000 + "\n")
    block = tmp_path / "block.yaml"
    # Block style needs i spaces at depth i, so 10,000 levels would be 100 MB (the size limit's
    # case); 300 levels stays under it and still exceeds the depth limit.
    block.write_text("".join(f"{'  ' * i}a{i}:\n" for i in range(300)) + "  " * 300 + "x: 1\n")
    good = tmp_path / "dm-bp.yaml"
    good.write_text(GOOD)
    started = time.perf_counter()
    result = _check(flow, block, good)
    elapsed = time.perf_counter() - started
    _no_traceback(result)
    assert f"{flow}: line 2, nested more than 40 levels deep" in result.output
    assert f"{block}: line 41, nested more than 40 levels deep" in result.output
    assert "dm-bp (version" in result.output
    assert elapsed < 60  # generous: the point is that it finishes, not how fast


def test_a_huge_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as fh:
        fh.write(b"id: huge\n")
        fh.write(b"# " + b"x" * (20 * 1024 * 1024) + b"\n")
    result = _check(huge)
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"larger than {MAX_BYTES // 1024} KB" in result.output
    # The same limit holds for text given to the checker directly (the editor's upload path).
    assert check_bytes(b"a" * (MAX_BYTES + 1), "upload")[1][0].message.endswith("not a definition")


def test_a_duplicate_id_key_is_refused_with_both_lines(tmp_path):
    twice = tmp_path / "twice.yaml"
    twice.write_text(GOOD.replace("id: dm-bp\n", "id: dm-bp\nid: dm-bp-2\n", 1))
    result = _check(twice)
    assert result.exit_code == 1
    assert f"{twice}: line 2, id: 'id' is given twice (first on line 1)" in result.output
    nested = GOOD.replace("    - age: {min: 17}", "    - age: {min: 17, min: 18}")
    _, problems = check_text(nested, "nested.yaml")
    assert any(p.field == "denominator.all.0.age.min" and "given twice" in p.message for p in problems)


def test_messages_with_brackets_reach_the_user_whole(tmp_path):
    bad = tmp_path / "bad-id.yaml"
    bad.write_text(GOOD.replace("id: dm-bp", "id: Not_A_Slug"))
    result = _check(bad)
    assert result.exit_code == 1
    assert "String should match pattern '^[a-z0-9][a-z0-9-]*$'" in result.output
    markup = tmp_path / "markup.yaml"
    markup.write_text(GOOD.replace("codelist: diabetes,", "codelist: '[red]x[/red]',"))
    out = _check(markup)
    assert "'[red]x[/red]'" in out.output


def test_anchors_and_aliases_are_refused():
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    indicator, problems = check_text(laughs, "laughs.yaml")
    assert indicator is None and "anchors and aliases" in problems[0].message


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    text = (
        GOOD.replace("within: 12 months}", "within: 12 monts}", 1)
        .replace("codelist: systolic-bp", "codelist: systolic-bpx")
        .replace("higher_is_better: true", "higher_is_better: true\ncolour: blue")
    )
    _, problems = check_text(text, "mine.yaml", known_codelists=["diabetes", "diabetes-resolved", "bp-declined",
                                                                   "diastolic-bp"])  # fmt: skip
    messages = [str(p) for p in problems]
    assert any("colour: Extra inputs are not permitted" in m for m in messages)
    assert any("unknown codelist 'systolic-bpx'" in m and "line " in m for m in messages)
    assert any("'12 monts' is not a period" in m for m in messages)
    assert all(m.startswith("mine.yaml: line ") for m in messages)
