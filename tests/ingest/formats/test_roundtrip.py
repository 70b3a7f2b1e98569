"""One synthetic population, written in every format and ingested: the same snapshot and the
same indicator results as the CDM path, once the format's documented losses are applied to it.

Snapshots are compared table by table with each patient named by NHS number (the adapters'
patient_ids come from the key map, not the CDM's), appointments without their ids (the
adapters derive them from the source's ids); results for the whole built-in library.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import duckdb
import pytest

from gpqi.engine import run
from gpqi.ingest import ingest
from gpqi.synth import SynthConfig, generate
from gpqi.synth.formats import losses, mixed, rewrite
from gpqi.workspace import open_workspace

CONFIG = SynthConfig(
    practices=4, patients=2_400, start=dt.date(2024, 4, 1), end=dt.date(2026, 3, 31), seed=11, history_years=1
)
AS_OF = CONFIG.end
TABLES = ("patients", "registrations", "clinical_events", "medications", "vaccinations", "appointments")


@pytest.fixture(scope="module")
def cdm(tmp_path_factory):
    out = tmp_path_factory.mktemp("roundtrip") / "cdm"
    generate(out, CONFIG)
    return out, json.loads((out / "manifest.json").read_text())["practice_codes"]


def _build(cdm, tmp_path, formats: dict[str, str]):
    source, _ = cdm
    written = tmp_path / "written"
    expected = tmp_path / "expected"
    shutil.copytree(source, written)
    shutil.copytree(source, expected)
    rewrite(written, formats)
    rewrite(expected, dict.fromkeys(formats, "cdm"))
    # the practices table names each practice's system: the same in both
    shutil.copy(written / "reference" / "practices.parquet", expected / "reference" / "practices.parquet")
    losses.apply(expected, formats)
    got = ingest(written, tmp_path / "ws-got", as_of=AS_OF)
    want = ingest(expected, tmp_path / "ws-want", as_of=AS_OF)
    return got, want


def _rows(ws, table: str) -> list[tuple]:
    snap = ws / "snapshots" / (ws / "CURRENT").read_text().strip()
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW p AS SELECT patient_id, nhs_number FROM read_parquet('{snap}/patients/*.parquet')"
    )
    cols = [
        r[0]
        for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{snap}/{table}/*.parquet')").fetchall()
    ]
    keep = [c for c in cols if c not in ("patient_id", "appointment_id")]
    select = ", ".join(["p.nhs_number", *(f"t.{c}" for c in keep)])
    rows = con.execute(
        f"SELECT {select} FROM read_parquet('{snap}/{table}/*.parquet') AS t JOIN p USING (patient_id) ORDER BY ALL"
    ).fetchall()
    (total,) = con.execute(f"SELECT count(*) FROM read_parquet('{snap}/{table}/*.parquet')").fetchone()
    assert total == len(rows)  # every row's patient is in the patients table
    return rows


def _assert_same_snapshot(got, want):
    assert got.status == want.status == "published"
    for table in TABLES:
        assert got.report["tables"][table]["quarantined"] == 0, (table, got.report["tables"][table])
        a, b = _rows(got.workspace, table), _rows(want.workspace, table)
        assert len(a) == len(b) > 0, table
        assert a == b, table


def _results(ws) -> list[tuple]:
    run(ws, dates=[AS_OF], worklists=False)
    con = duckdb.connect()
    return con.execute(
        "SELECT * EXCLUDE (indicator_version) "
        f"FROM read_parquet('{open_workspace(ws).results_path}') ORDER BY ALL"
    ).fetchall()


@pytest.mark.parametrize("fmt", ["fhir", "emis", "systmone"])
def test_each_format_gives_the_cdm_snapshot(cdm, tmp_path, fmt):
    _, codes = cdm
    got, want = _build(cdm, tmp_path, dict.fromkeys(codes, fmt))
    _assert_same_snapshot(got, want)
    assert {f["format"] for f in got.report["formats"].values()} == {fmt}
    # a patient who moved between two practices has one id
    snap = got.workspace / "snapshots" / got.snapshot_id
    con = duckdb.connect()
    (ids, numbers) = con.execute(
        f"SELECT count(DISTINCT patient_id), count(DISTINCT nhs_number) FROM read_parquet('{snap}/patients/*.parquet')"
    ).fetchone()
    assert ids == numbers
    (keys, mapped) = con.execute(
        f"SELECT count(*), count(DISTINCT patient_id) FROM read_parquet('{snap}/keymap/patients.parquet')"
    ).fetchone()
    assert mapped == ids and keys >= ids


def test_mixed_formats_same_results_for_the_whole_library(cdm, tmp_path):
    _, codes = cdm
    formats = mixed(codes)
    assert sorted(set(formats.values())) == ["cdm", "emis", "fhir", "systmone"]
    got, want = _build(cdm, tmp_path, formats)
    _assert_same_snapshot(got, want)
    a, b = _results(got.workspace), _results(want.workspace)
    assert len(a) > 0 and a == b


def test_reingest_is_unchanged_and_keeps_ids(cdm, tmp_path):
    _, codes = cdm
    got, _ = _build(cdm, tmp_path, dict.fromkeys(codes, "fhir"))
    snap = got.workspace / "snapshots" / got.snapshot_id
    again = ingest(tmp_path / "written", got.workspace, as_of=AS_OF)
    assert again.status == "unchanged" and again.snapshot_id == got.snapshot_id
    # a new snapshot under a different as-of date: the same ids
    later = ingest(tmp_path / "written", got.workspace, as_of=AS_OF + dt.timedelta(days=1))
    assert later.status == "published"
    con = duckdb.connect()
    before = con.execute(
        f"SELECT * FROM read_parquet('{snap}/keymap/patients.parquet') ORDER BY ALL"
    ).fetchall()
    snap2 = got.workspace / "snapshots" / later.snapshot_id
    after = con.execute(
        f"SELECT * FROM read_parquet('{snap2}/keymap/patients.parquet') ORDER BY ALL"
    ).fetchall()
    assert before == after
