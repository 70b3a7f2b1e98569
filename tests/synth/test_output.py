"""The extract's contract: layout, exact CDM schemas, codes as strings from the codelists, valid
test-range NHS numbers, fictional organisations, consistency across practices, determinism."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import re
from importlib import resources
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from gpqi.cdm import COLUMNS, SCHEMAS
from gpqi.cli import app
from gpqi.codelists import load, registry
from gpqi.synth import SynthConfig, generate
from gpqi.synth.generate import SynthError
from tests.synth.conftest import CALIBRATION_CONFIG
from tests.synth.queries import codes

PATIENT_TABLES = (
    "patients",
    "registrations",
    "clinical_events",
    "medications",
    "vaccinations",
    "appointments",
)
SMALL = SynthConfig(practices=5, patients=4_000, start=dt.date(2023, 4, 1), end=dt.date(2026, 3, 31), seed=3,
                    history_years=1)  # fmt: skip


def test_layout_matches_the_manifest(population):
    folder, manifest = population
    assert (folder / "reference" / "organisations.parquet").is_file()
    assert (folder / "reference" / "practices.parquet").is_file()
    practices = sorted(p.name for p in (folder / "practices").iterdir())
    assert practices == sorted(manifest["practice_codes"])
    for code in practices:
        assert sorted(f.name for f in (folder / "practices" / code).iterdir()) == sorted(
            f"{t}.parquet" for t in PATIENT_TABLES
        )
    total = sum(
        pq.read_metadata(folder / "practices" / c / "clinical_events.parquet").num_rows for c in practices
    )
    assert total == manifest["row_counts"]["clinical_events"]
    assert manifest["seed"] == CALIBRATION_CONFIG.seed and manifest["format"] == "parquet"


def _as_stored(schema: pa.Schema) -> pa.Schema:
    """Parquet has no seconds unit for timestamps: pyarrow stores timestamp[s] as milliseconds."""
    fields = [
        pa.field(f.name, pa.timestamp("ms"), nullable=f.nullable) if f.type == pa.timestamp("s") else f
        for f in schema
    ]
    return pa.schema(fields)


def test_every_file_has_the_exact_cdm_schema(population):
    folder, _ = population
    files = [(t, f) for t in PATIENT_TABLES for f in (folder / "practices").glob(f"*/{t}.parquet")]
    files += [(t, folder / "reference" / f"{t}.parquet") for t in ("organisations", "practices")]
    for table, path in files:
        schema = pq.read_schema(path).remove_metadata()
        assert schema.equals(_as_stored(SCHEMAS[table])), f"{path}: {schema} != {SCHEMAS[table]}"


def test_required_columns_have_no_nulls(con):
    for table, view in (
        ("patients", "pat"),
        ("clinical_events", "ev"),
        ("appointments", "ap"),
        ("medications", "med"),
    ):
        for col in COLUMNS[table]:
            if not col.nullable:
                nulls = con.execute(f"select count(*) from {view} where {col.name} is null").fetchone()[0]
                assert nulls == 0, (table, col.name)


def test_codes_are_strings_from_the_bundled_codelists(con):
    known = {c for slug in registry() for c in load(slug).codes}
    for view in ("ev", "med", "vac"):
        rows = con.execute(f"select distinct code, typeof(code) from {view}").fetchall()
        assert rows
        for code, kind in rows:
            assert kind == "VARCHAR"
            assert re.fullmatch(r"\d{6,18}", code), code
            assert code in known, code
    # long dm+d codes keep every digit (no float round-trip)
    assert con.execute("select count(*) from med where length(code) >= 16").fetchone()[0] > 0


def test_events_use_the_expected_codelists(con):
    expected = {
        "ev": ["hypertension", "diabetes", "asthma", "chd", "atrial-fibrillation", "copd", "stroke", "tia",
               "heart-failure", "ckd", "systolic-bp", "diastolic-bp", "hba1c", "pulse-rhythm-check",
               "smoking-current", "smoking-ex", "smoking-never", "last-menstrual-period", "pregnancy",
               "asthma-review", "copd-review", "bp-declined", "palliative-care", "hypertension-resolved",
               "diabetes-resolved", "asthma-resolved", "copd-resolved", "medication-review",
               "cvd-risk-assessment", "diabetes-type1", "diabetes-type2"],
        "vac": ["flu-vaccination", "pertussis-vaccination-pregnancy", "mmr-vaccine"],
        "med": ["statins", "antidiabetic-drugs", "insulin"],
    }  # fmt: skip
    for view, slugs in expected.items():
        present = {c for (c,) in con.execute(f"select distinct code from {view}").fetchall()}
        for slug in slugs:
            assert present & set(load(slug).codes), f"no {slug} codes in {view}"


def _nhs_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == digits[9]


def test_nhs_numbers_are_test_range_and_valid(con):
    rows = con.execute("select patient_id, nhs_number from pat").fetchall()
    numbers = [n for _, n in rows]
    assert all(len(n) == 10 and n.startswith("999") and n.isdigit() for n in numbers)
    assert all(_nhs_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    # a wrong check digit is rejected by the same check (the check can fail)
    bad = numbers[0][:9] + str((int(numbers[0][9]) + 1) % 10)
    assert not _nhs_valid(bad)


def test_patient_ids_unique_and_rows_identical_across_practices(population, con):
    folder, _ = population
    all_rows = con.execute(
        "select count(*) from read_parquet('" + str(folder) + "/practices/*/patients.parquet')"
    ).fetchone()[0]
    distinct_rows = con.execute("select count(*), count(distinct patient_id) from pat").fetchone()
    assert distinct_rows[0] == distinct_rows[1]  # a patient in two files appears identically
    assert distinct_rows[1] == population[1]["people"]
    assert all_rows > distinct_rows[0]  # and some patients do appear in two files


def test_practice_files_hold_their_own_patients_and_events(population, con):
    folder, _ = population
    bad = con.execute(
        f"""select count(*) from read_parquet('{folder}/practices/*/patients.parquet', filename = true) p
        where not exists (select 1 from reg r where r.patient_id = p.patient_id
                          and p.filename like '%/' || r.practice_code || '/patients.parquet')"""
    ).fetchone()[0]
    assert bad == 0
    for table in ("clinical_events", "medications", "vaccinations", "appointments", "registrations"):
        wrong = con.execute(
            f"""select count(*) from read_parquet('{folder}/practices/*/{table}.parquet', filename = true)
            where filename not like '%/' || practice_code || '/{table}.parquet'"""
        ).fetchone()[0]
        assert wrong == 0, table


def test_events_fall_within_registration_or_earlier_history(con):
    # An event recorded at a practice is dated while registered there, or (history transferred
    # with the record) before the patient's first registration; never after leaving or death.
    # A last-menstrual-period event is dated on the LMP but recorded at booking (8-12 weeks later).
    lmp = codes("last-menstrual-period")
    bad = con.execute(
        f"""with first as (select patient_id, min(start_date) s from reg group by 1)
        select count(*), count(*) filter (where code in {lmp}) from ev e join first using (patient_id)
        where not exists (select 1 from reg r where r.patient_id = e.patient_id and r.practice_code = e.practice_code
                          and e.date + case when e.code in {lmp} then 84 else 0 end >= r.start_date
                          and (r.end_date is null or e.date <= r.end_date))
          and not (e.date < first.s)"""
    ).fetchone()
    assert bad == (0, 0)
    after_death = con.execute(
        """select count(*) from ev join pat using (patient_id) where date > date_of_death
        union all select count(*) from ev join pat using (patient_id) where date < date_of_birth
        union all select count(*) from ev where date > DATE '2026-03-31'"""
    ).fetchall()
    assert after_death == [(0,), (0,), (0,)]


def test_registrations_do_not_overlap(con):
    overlaps = con.execute(
        """select count(*) from (select patient_id, start_date, end_date,
        lead(start_date) over (partition by patient_id order by start_date) nxt from reg)
        where nxt is not null and (end_date is null or end_date >= nxt)"""
    ).fetchone()[0]
    assert overlaps == 0
    assert con.execute("select count(*) from reg where end_date < start_date").fetchone()[0] == 0


def test_appointments_ids_unique_and_booked_before_start(con):
    n, distinct, early = con.execute(
        "select count(*), count(distinct appointment_id), count(*) filter (where booked_at >= start_at) from ap"
    ).fetchone()
    assert n == distinct and early == 0


def test_organisation_tree(con, population):
    _, manifest = population
    kinds = dict(con.execute("select type, count(*) from org group by 1").fetchall())
    assert kinds["programme"] == 1 and kinds["icb"] == 1 and kinds["practice"] == 30
    assert kinds["sub_icb"] >= 1
    orphans = con.execute(
        "select count(*) from org c where parent_code is not null and parent_code not in (select org_code from org)"
    ).fetchone()[0]
    assert orphans == 0
    sizes = [n for (n,) in con.execute("select count(*) from prac group by network_code").fetchall()]
    assert all(4 <= s <= 6 for s in sizes)
    mismatched = con.execute(
        """select count(*) from prac p join org o on o.org_code = p.practice_code
        join org n on n.org_code = o.parent_code
        where o.parent_code <> p.network_code or n.parent_code <> p.sub_icb_code"""
    ).fetchone()[0]
    assert mismatched == 0
    assert set(manifest["programme"]["networks"]) <= {
        code for (code,) in con.execute("select org_code from org where type = 'network'").fetchall()
    }


def test_no_real_practice_codes_or_names(con):
    path = Path(str(resources.files("gpqi.synth") / "data" / "real_practices.txt.gz"))
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        pairs = [line.rstrip("\n").split("\t") for line in fh]
    real_codes = {p[0] for p in pairs}
    real_names = {p[1] for p in pairs if len(p) > 1 and p[1]}
    assert len(real_codes) > 6_000 and len(real_names) > 6_000
    for code, name in con.execute("select org_code, name from org").fetchall():
        assert code not in real_codes, code
        assert name.lower() not in real_names, name
        assert not re.fullmatch(r"[A-Z]\d{5}", code)  # English practice codes: a letter and 5 digits


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_identical_files_different_seed_different(tmp_path):
    a = _digest(Path(generate(tmp_path / "a", SMALL) and tmp_path / "a"))
    b = _digest(Path(generate(tmp_path / "b", SMALL.model_copy(update={"workers": 2})) and tmp_path / "b"))
    assert a == b  # also: two worker processes give the same files as one
    c = _digest(Path(generate(tmp_path / "c", SMALL.model_copy(update={"seed": 4})) and tmp_path / "c"))
    assert a.keys() == c.keys()
    differing = [k for k in a if a[k] != c[k]]
    assert any("clinical_events" in k for k in differing)
    assert not list(tmp_path.glob(".*synth*"))  # no temporary folders left behind


def test_csv_format_keeps_codes_as_text(tmp_path):
    out = tmp_path / "csv"
    generate(out, SMALL.model_copy(update={"format": "csv", "practices": 4, "patients": 2_000}))
    files = list(out.glob("practices/*/*.csv"))
    assert len(files) == 4 * len(PATIENT_TABLES)
    for path in files:
        table = path.stem
        read = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={
            c.name: pa.string() for c in COLUMNS[table]}))  # fmt: skip
        assert read.column_names == [c.name for c in COLUMNS[table]]
        if "code" in read.column_names:
            assert all(re.fullmatch(r"\d{6,18}", c) for c in read.column("code").to_pylist())
    meds = pacsv.read_csv(next(out.glob("practices/*/medications.csv")),
                          convert_options=pacsv.ConvertOptions(column_types={"code": pa.string()}))  # fmt: skip
    assert any(len(c) >= 16 for c in meds.column("code").to_pylist())
    assert (out / "reference" / "organisations.csv").is_file()


def test_refuses_to_overwrite_a_non_empty_folder(tmp_path):
    out = tmp_path / "x"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(SynthError, match="not empty"):
        generate(out, SMALL)
    assert (out / "keep.txt").read_text() == "mine"
    generate(out, SMALL.model_copy(update={"practices": 4, "patients": 2_000}), overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()


def test_config_validation_messages():
    with pytest.raises(ValueError, match="must be after start"):
        SynthConfig(start=dt.date(2025, 1, 1), end=dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match="at least 50 per practice"):
        SynthConfig(practices=100, patients=1_000)


def test_cli(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cli"
    result = runner.invoke(
        app,
        ["synth", "--out", str(out), "--practices", "4", "--patients", "2000", "--start", "2024-04-01",
         "--end", "2026-03-31", "--seed", "5", "--programme-network", "ZN001", "--history-years", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "appointments" in result.output
    assert (out / "practices").is_dir()
    again = runner.invoke(app, ["synth", "--out", str(out), "--practices", "4", "--patients", "2000"])
    assert again.exit_code == 1 and "not empty" in again.output
    bad = runner.invoke(
        app, ["synth", "--out", str(tmp_path / "bad"), "--start", "2026-01-01", "--end", "2025-01-01"]
    )
    assert bad.exit_code != 0 and "after start" in bad.output
    unknown = runner.invoke(
        app,
        [
            "synth",
            "--out",
            str(tmp_path / "u"),
            "--practices",
            "4",
            "--patients",
            "2000",
            "--programme-network",
            "ZN999",
        ],
    )
    assert unknown.exit_code == 1 and "ZN999" in unknown.output


def test_no_duplicate_rows_and_nothing_after_death(con):
    for view in ("ev", "med", "vac"):
        dupes = con.execute(
            f"select count(*) from (select patient_id, date, code from {view} group by all having count(*) > 1)"
        ).fetchone()[0]
        assert dupes == 0, view
    late = con.execute(
        """select count(*) from ap join pat using (patient_id)
        where start_at::date > date_of_death or booked_at::date > date_of_death"""
    ).fetchone()[0]
    assert late == 0
    outside = con.execute(
        """select count(*) from ap a where not exists (select 1 from reg r where r.patient_id = a.patient_id
        and r.practice_code = a.practice_code and a.start_at::date between r.start_date and coalesce(r.end_date, DATE '9999-12-31'))"""
    ).fetchone()[0]
    assert outside == 0
