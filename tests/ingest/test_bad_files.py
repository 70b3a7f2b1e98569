"""A bad file stops the whole ingest with a message naming it, and changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gpqi.ingest import IngestError, ingest
from gpqi.ingest import history as ingest_history
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline, nhs_number
from tests.ingest.helpers import run


def _tree(root: Path) -> dict[str, str]:
    """Every file under root with a hash of its content (the ingest history aside)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in {"ingest-history.jsonl", ".ingest.lock"}
    }


def _drop_column(path: Path, column: str) -> None:
    pq.write_table(pq.read_table(path).drop_columns([column]), path)


def _add_column(path: Path, column: str) -> None:
    t = pq.read_table(path)
    pq.write_table(t.append_column(column, pa.array(["x"] * t.num_rows)), path)


def _retype(path: Path, column: str, type_: pa.DataType) -> None:
    t = pq.read_table(path)
    i = t.schema.get_field_index(column)
    pq.write_table(t.set_column(i, column, t.column(column).cast(type_)), path)


BREAKERS: dict[str, tuple[str, Callable[[Path], None], str]] = {
    # name: (file, how to break it, expected words in the message)
    "missing column": (
        "practices/P1/clinical_events.parquet",
        lambda p: _drop_column(p, "code"),
        "missing column(s) code",
    ),
    "unexpected column": (
        "practices/P2/patients.parquet",
        lambda p: _add_column(p, "postcode"),
        "unexpected column(s) postcode",
    ),
    "code stored as a number": (
        "practices/P1/clinical_events.parquet",
        lambda p: _retype(p, "code", pa.int64()),
        "column code is stored as BIGINT",
    ),
    "date stored as a float": (
        "practices/P1/registrations.parquet",
        lambda p: _retype(p, "patient_id", pa.float64()),
        "column patient_id is stored as DOUBLE",
    ),
    "not parquet at all": (
        "practices/P2/appointments.parquet",
        lambda p: p.write_bytes(b"this is not a parquet file" * 10),
        "not a readable Parquet file",
    ),
    "truncated parquet": (
        "reference/practices.parquet",
        lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
        "not a readable Parquet file",
    ),
    "missing table file": (
        "practices/P2/medications.parquet",
        lambda p: p.unlink(),
        "missing medications.parquet",
    ),
    "unexpected table file": (
        "practices/P2/clinical_event.parquet",
        lambda p: p.write_bytes(b""),
        "unexpected table 'clinical_event'",
    ),
    "both formats of one table": (
        "practices/P1/vaccinations.csv",
        lambda p: p.write_text("patient_id,practice_code,date,code\n"),
        "both vaccinations.parquet and vaccinations.csv exist",
    ),
    "unusable practice folder name": (
        "practices/P 3/patients.parquet",
        lambda p: p.write_bytes(b""),
        "is not a usable practice code",
    ),
    "bad manifest": (
        "manifest.json",
        lambda p: p.write_text("{not json"),
        "not valid JSON",
    ),
}


@pytest.fixture
def published(tmp_path) -> tuple[Path, dict[str, str], str]:
    """A workspace with one good snapshot, and a snapshot of its files."""
    run(tmp_path, baseline())
    ws = tmp_path / "ws"
    return ws, _tree(ws), open_workspace(ws).current_snapshot_id()


@pytest.mark.parametrize("case", list(BREAKERS))
def test_bad_file_changes_nothing(tmp_path, published, case):
    ws, before, current = published
    relpath, breaker, words = BREAKERS[case]
    ex = baseline()
    ex.practices["P1"]["patients"][0]["nhs_number"] = nhs_number("999000777")  # a real change to publish
    src = ex.write(tmp_path / "src-bad")
    (src / relpath).parent.mkdir(parents=True, exist_ok=True)
    breaker(src / relpath)

    with pytest.raises(IngestError) as err:
        ingest(src, ws, as_of=AS_OF)

    message = str(err.value)
    assert words in message
    folder_level = {"both formats of one table", "unusable practice folder name", "missing table file"}
    assert str((src / relpath).parent if case in folder_level else src / relpath) in message
    assert _tree(ws) == before
    assert open_workspace(ws).current_snapshot_id() == current
    assert list((ws / "staging").iterdir()) == []
    last = ingest_history.entries(open_workspace(ws))[-1]
    assert last["outcome"] == "failed" and words in last["message"]


def test_first_extract_needs_the_reference_tables(tmp_path):
    src = baseline().write(tmp_path / "src")
    (src / "reference" / "practices.parquet").unlink()
    with pytest.raises(IngestError, match="no reference/practices.parquet"):
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert open_workspace(tmp_path / "ws").current_snapshot_id() is None


def test_empty_or_missing_source(tmp_path):
    with pytest.raises(IngestError, match="no such folder"):
        ingest(tmp_path / "nowhere", tmp_path / "ws")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="no extract found"):
        ingest(tmp_path / "empty", tmp_path / "ws")


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "empty file"), (b"patient_id,practice_code,date,code\n\xff\xfe1,P1\n", "not UTF-8")],
)
def test_unreadable_csv(tmp_path, content, words):
    src = baseline().write(tmp_path / "src", "csv")
    path = src / "practices" / "P1" / "vaccinations.csv"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert words in str(err.value) and str(path) in str(err.value)


def test_invalid_utf8_after_the_header_fails_the_file_without_quoting_it(tmp_path):
    src = baseline().write(tmp_path / "src", "csv")
    path = src / "practices" / "P1" / "patients.csv"
    path.write_bytes(path.read_bytes() + b"7,9990000077,Secret\xff\xfeName,X,1990-01-01,female,,5,false\n")
    with pytest.raises(IngestError) as err:
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert str(path) in str(err.value)
    assert "Secret" not in str(err.value) and "9990000077" not in str(err.value)
