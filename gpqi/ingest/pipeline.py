"""`ingest()`: validate an extract and publish it as a new snapshot of the workspace.

Order of work (each step reads only what earlier steps wrote):

1. find the files and check every file's columns (a bad file stops everything here);
2. fingerprint them; if the current snapshot was built from the very same files under the same
   rules, stop: nothing new to publish (re-ingesting is idempotent);
3. reference tables (organisations, then practices, which refer to them);
4. for each practice in the extract: its patients, then its registrations (which must name
   those patients);
5. merge the patient rows of all practices (new and carried over) into one row per patient;
6. for each practice in the extract: clinical events, medications, vaccinations, appointments,
   checked against the merged patients and the practice's registrations;
7. practices not in the extract are carried over from the current snapshot by hard link;
8. manifest.json and report.json, then the atomic publish (`snapshot.publish`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from gpqi import __version__
from gpqi.cdm import PATIENT_TABLES, SCHEMAS
from gpqi.ingest import history, hooks, shrink
from gpqi.ingest.csvstage import stage_csv
from gpqi.ingest.errors import IngestError
from gpqi.ingest.extract import (
    PRACTICE_TABLES,
    REFERENCE_TABLES,
    Extract,
    SourceFile,
    check_columns,
    discover,
)
from gpqi.ingest.formats.convert import Conversion, convert, needs_conversion, passthrough, unchanged_source
from gpqi.ingest.merge import PATIENT_COLUMNS, Conflicts, merge_patients
from gpqi.ingest.parquet_out import write_query
from gpqi.ingest.rules import RULES_VERSION, SQL_TYPE, Context, lit, q
from gpqi.ingest.snapshot import (
    CREATED_BY,
    clean_leftovers,
    ingest_lock,
    link_or_copy,
    new_snapshot_id,
    prune,
    publish,
    read_manifest,
    write_json,
)
from gpqi.ingest.validate import Counts, parquet_source, staged_source, validate_file
from gpqi.workspace import DEFAULT_WORKSPACE, Workspace, init_workspace

EVENT_TABLES = tuple(t for t in PATIENT_TABLES if t != "registrations")


class Progress:
    """Told about each step; the CLI shows a progress bar, the Python API stays quiet."""

    def start(self, total: int) -> None:
        pass

    def step(self, description: str) -> None:
        pass


@dataclass
class IngestOutcome:
    status: str  # "published" or "unchanged"
    snapshot_id: str
    previous_snapshot_id: str | None
    workspace: Path
    report: dict
    seconds: float
    removed: list[str] = field(default_factory=list)  # leftovers cleaned and snapshots pruned


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def fingerprints(files: Sequence[SourceFile]) -> dict[Path, str]:
    with ThreadPoolExecutor(max_workers=2) as pool:  # hashlib releases the GIL
        return dict(zip([f.path for f in files], pool.map(_sha256, [f.path for f in files]), strict=True))


def _unchanged(
    prev: dict | None, extract: Extract, fps: dict[Path, str], drops: Sequence[str], as_of: date | None
) -> bool:
    if not prev or prev.get("rules_version") != RULES_VERSION or drops:
        return False
    if as_of is not None and prev.get("as_of") != as_of.isoformat():
        return False
    for table, source in extract.reference.items():
        if prev.get("reference", {}).get(table, {}).get("fingerprint") != fps[source.path]:
            return False
    for code, tables in extract.practices.items():
        before = prev.get("practices", {}).get(code, {}).get("fingerprints", {})
        if before != {t: fps[s.path] for t, s in tables.items()}:
            return False
    return True


def ingest(
    source: Path | str,
    workspace: Path | str = DEFAULT_WORKSPACE,
    *,
    as_of: date | None = None,
    drop_practices: Sequence[str] = (),
    accept_shrink: Sequence[str] = (),
    progress: Progress | None = None,
    format: str | None = None,
) -> IngestOutcome:
    """Validate the extract at `source` and publish it in `workspace` (created if missing).

    `format` is that of the practice folders (cdm, fhir, emis, systmone); None detects it per folder.
    Raises IngestError, leaving the workspace as it was, if a file cannot be ingested, or if a
    practice would lose much of its data (see `gpqi.ingest.shrink`) and is not in `accept_shrink`.
    """
    started = time.monotonic()
    started_at = _now()
    ws = init_workspace(workspace)
    with ingest_lock(ws):
        removed = clean_leftovers(ws)
        previous = ws.current_snapshot_id()
        entry = {"started_at": started_at, "source": str(Path(source).resolve()), "previous": previous}
        attempt = history.start(ws, entry)
        try:
            outcome = _ingest_locked(
                ws,
                Path(source),
                as_of,
                list(drop_practices),
                list(accept_shrink),
                progress or Progress(),
                started,
                format,
            )
        except BaseException as exc:
            # IngestError messages are written to be safe; others may quote data, so keep their type only.
            if isinstance(exc, IngestError):
                message = str(exc)
            elif isinstance(exc, KeyboardInterrupt):
                message = "interrupted"
            else:
                message = f"{type(exc).__name__} (internal error)"
            status = "refused" if isinstance(exc, ShrinkRefused) else "failed"
            history.finish(ws, attempt, {"finished_at": _now(), "outcome": status, "message": message})
            raise
        outcome.removed = removed
        finished = {
            "finished_at": _now(),
            "outcome": outcome.status,
            "snapshot_id": outcome.snapshot_id,
            "seconds": round(outcome.seconds, 1),
        }
        if outcome.report.get("accepted_shrink") and outcome.status == "published":
            finished["accepted_shrink"] = outcome.report["accepted_shrink"]
        history.finish(ws, attempt, finished)
        if outcome.status == "published":
            outcome.removed += [f"snapshots/{s}" for s in prune(ws, ws.config.ingest.keep_snapshots)]
    return outcome


@dataclass
class _Run:
    """The state of one ingest while it builds the staged snapshot."""

    ws: Workspace
    con: duckdb.DuckDBPyConnection
    extract: Extract
    staged: Path
    work: Path
    snapshot_id: str
    as_of: date
    prev_path: Path | None
    prev: dict | None
    prev_report: dict
    fps: dict[Path, str]
    progress: Progress
    sources: dict[Path, tuple[str, list]] = field(default_factory=dict)  # file -> (relation, malformed rows)
    warnings: list[str] = field(default_factory=list)
    reference_report: dict = field(default_factory=dict)
    practice_report: dict = field(default_factory=dict)

    def relation(self, source: SourceFile) -> tuple[str, list]:
        return self.sources[source.path]

    def out(self, *parts: str) -> Path:
        path = self.staged.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


def _previous(ws: Workspace) -> tuple[Path | None, dict | None]:
    snapshot_id = ws.current_snapshot_id()
    if snapshot_id is None:
        return None, None
    path = ws.snapshot_path(snapshot_id)
    manifest = read_manifest(path)
    if manifest is None or manifest.get("created_by") != CREATED_BY:
        # Not made by an ingest (a hand-built test snapshot): nothing to carry over from.
        return None, None
    return path, manifest


def _ingest_locked(
    ws: Workspace,
    source: Path,
    as_of: date | None,
    drops: list[str],
    accepted: list[str],
    progress: Progress,
    started: float,
    fmt: str | None = None,
) -> IngestOutcome:
    prev_path, prev = _previous(ws)
    if not source.is_dir() or not needs_conversion(source, fmt):
        extract = discover(source)
        conversion = passthrough(source, sorted(extract.practices), fmt is None, prev_path)
        return _ingest_extract(
            ws, extract, conversion, as_of, drops, accepted, progress, started, prev_path, prev
        )
    # The format dispatch point: other formats become a CDM-layout extract in staging first.
    if unchanged_source(source, fmt, prev, as_of, drops + accepted):
        prev_id = prev["snapshot_id"] if prev else None
        return IngestOutcome(
            "unchanged", prev_id, prev_id, ws.root, _read_report(prev_path), time.monotonic() - started
        )
    ws.staging_dir.mkdir(parents=True, exist_ok=True)
    work = ws.staging_dir / f"formats-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    try:
        conversion = convert(source, fmt, work, prev_path, progress.step)
        extract = discover(conversion.root)
        return _ingest_extract(
            ws, extract, conversion, as_of, drops, accepted, progress, started, prev_path, prev
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ingest_extract(
    ws: Workspace,
    extract: Extract,
    conversion: Conversion,
    as_of: date | None,
    drops: list[str],
    accepted: list[str],
    progress: Progress,
    started: float,
    prev_path: Path | None,
    prev: dict | None,
) -> IngestOutcome:
    for code in accepted:
        if code not in extract.practices:
            raise IngestError(f"--accept-shrink {code}: the extract holds no data for practice {code}")
    prev_id = prev["snapshot_id"] if prev else None
    prev_report = _read_report(prev_path)
    for code in drops:
        if code in extract.practices:
            raise IngestError(
                f"--drop-practice {code}: the extract holds data for {code}; drop or send it, not both"
            )
        if not prev or code not in prev["practices"]:
            raise IngestError(f"--drop-practice {code}: the current snapshot has no practice {code}")
    for table in REFERENCE_TABLES:
        if table not in extract.reference and not prev:
            raise IngestError(
                f"{extract.root}: no reference/{table}.parquet, and no earlier snapshot to keep it from "
                "(the first extract must include the reference tables)"
            )

    ws.staging_dir.mkdir(parents=True, exist_ok=True)
    check = duckdb.connect()
    try:
        files = [check_columns(check, f) for f in extract.files()]
    finally:
        check.close()
    by_path = {f.path: f for f in files}
    extract = Extract(
        extract.root,
        {t: by_path[s.path] for t, s in extract.reference.items()},
        {p: {t: by_path[s.path] for t, s in tables.items()} for p, tables in extract.practices.items()},
        extract.manifest,
    )
    fps = fingerprints(files)

    if _unchanged(prev, extract, fps, drops, as_of):
        return IngestOutcome("unchanged", prev_id, prev_id, ws.root, prev_report, time.monotonic() - started)

    digest = hashlib.sha256(
        "".join(sorted(fps.values())).encode() + RULES_VERSION.encode() + (prev_id or "").encode()
    ).hexdigest()
    snapshot_id = new_snapshot_id(ws, digest)
    staged = ws.staging_dir / snapshot_id
    work = ws.staging_dir / f"{snapshot_id}.work"
    staged.mkdir()
    work.mkdir()
    # In memory, spilling to staging beyond memory_limit: only temporary tables are kept.
    con = duckdb.connect()
    try:
        settings = ws.config.ingest
        con.execute(f"SET memory_limit = {lit(settings.memory_limit)}")
        con.execute(f"SET temp_directory = {lit(str(work / 'spill'))}")
        if settings.threads:
            con.execute(f"SET threads = {int(settings.threads)}")
        run = _Run(
            ws,
            con,
            extract,
            staged,
            work,
            snapshot_id,
            as_of or date.today(),
            prev_path,
            prev,
            prev_report,
            fps,
            progress,
        )
        report, manifest = _build(run, drops)
        _guard_shrink(run, report, manifest, accepted)
        conversion.finish(staged, prev_path, report, manifest)
        report["seconds"] = round(time.monotonic() - started, 1)
        write_json(staged / "report.json", report)
        write_json(staged / "manifest.json", manifest)
        con.close()
        shutil.rmtree(work, ignore_errors=True)
        publish(ws, staged, snapshot_id)
    except BaseException:
        con.close()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return IngestOutcome("published", snapshot_id, prev_id, ws.root, report, time.monotonic() - started)


class ShrinkRefused(IngestError):
    """The shrink guard stopped the ingest (history outcome `refused`)."""


def _guard_shrink(run: _Run, report: dict, manifest: dict, accepted: list[str]) -> None:
    """Refuse to publish a practice that would lose much of its data, unless accepted."""
    settings = run.ws.config.ingest
    limits = shrink.Limits(settings.max_shrink, settings.max_quarantined, settings.shrink_min_rows)
    sent = sorted(run.extract.practices)
    # A practice's patients are counted in its own patients file: the merged table gives a patient
    # who moved to the other practice, which is no loss of data.
    before = {
        c: {**p.get("rows", {}), "patients": _rows(run.prev_path / "practice_patients" / f"{c}.parquet")}
        for c, p in (run.prev or {}).get("practices", {}).items()
    }
    after = {
        c: {
            **manifest["practices"][c]["rows"],
            "patients": _rows(run.staged / "practice_patients" / f"{c}.parquet"),
        }
        for c in sent
    }
    counts = {c: report["practices"][c]["tables"] for c in sent}
    found = shrink.findings(sent, before, after, counts, limits)
    refused = [f for f in found if f.practice not in accepted]
    if refused:
        raise ShrinkRefused(shrink.refusal(refused, limits))
    report["accepted_shrink"] = [f.as_dict() for f in found]
    for f in found:
        report["warnings"].append(f"accepted with --accept-shrink: {f.sentence(limits)}")


def _read_report(snapshot: Path | None) -> dict:
    if snapshot is None or not (snapshot / "report.json").exists():
        return {}
    return json.loads((snapshot / "report.json").read_text(encoding="utf-8"))


def _stage_sources(run: _Run) -> None:
    for f in run.extract.files():
        if f.format == "csv":
            staged = run.work / "csv" / (f.practice or "reference") / f"{f.table}.parquet"
            staged.parent.mkdir(parents=True, exist_ok=True)
            malformed = stage_csv(f, staged)
            run.sources[f.path] = (staged_source(staged), malformed)
        else:
            run.sources[f.path] = (parquet_source(f.path), [])
        run.progress.step(f"read {f.relpath}")


def _build(run: _Run, drops: list[str]) -> tuple[dict, dict]:
    extract, prev = run.extract, run.prev
    new_codes = sorted(extract.practices)
    carried = sorted(
        p for p in (prev["practices"] if prev else {}) if p not in extract.practices and p not in drops
    )
    run.progress.start(
        len(extract.files())
        + len(REFERENCE_TABLES)
        + len(new_codes) * len(PRACTICE_TABLES)
        + 2
        + len(carried)
    )
    _stage_sources(run)

    known = _reference(run)
    hooks.stage("reference")
    missing = [p for p in carried if p not in known]
    if missing:
        raise IngestError(
            f"{extract.root}: the practices table no longer lists {', '.join(missing)}, whose data the current "
            f"snapshot holds; list them again, or remove them with "
            f"{' '.join('--drop-practice ' + m for m in missing)}"
        )
    for code in new_codes:
        if code not in known:
            run.warnings.append(
                f"practice {code} is not in the practices table: all its rows are quarantined (unknown_practice)"
            )
    no_data = sorted(set(known) - set(new_codes) - set(carried))
    if no_data:
        run.warnings.append(
            f"{len(no_data)} practice(s) in the practices table have no data: {', '.join(no_data)}"
        )

    # 4. patients and registrations of each practice in the extract
    for i, code in enumerate(new_codes):
        _practice_patients(run, i, code, code in known)

    # 5. one row per patient across all practices
    conflicts = _merge(run, new_codes, carried)
    hooks.stage("merged")

    # 6. everything else, per practice
    _appointment_ids_elsewhere(run, new_codes, carried)
    for i, code in enumerate(new_codes):
        _practice_events(run, i, code, code in known)
        hooks.stage(f"practice:{code}")

    # 7. carried over unchanged
    for code in carried:
        _carry_practice(run, code)
        run.progress.step(f"kept {code} from snapshot {prev['snapshot_id']}")

    return _report(run, conflicts), _manifest(run, new_codes, carried)


# -- reference tables ------------------------------------------------------------------------


def _reference(run: _Run) -> list[str]:
    """Validate or carry the reference tables; return the practice codes now known."""
    extract, prev_path = run.extract, run.prev_path
    if not extract.reference:
        for table in REFERENCE_TABLES:
            _carry(run, table, table)
            run.reference_report[table] = {
                **run.prev_report["reference"][table],
                "status": "carried",
            }
            run.progress.step(f"kept {table} from snapshot {run.prev['snapshot_id']}")
        rows = run.con.execute(
            f"SELECT practice_code FROM read_parquet({lit(str(prev_path / 'practices' / 'practices.parquet'))})"
        ).fetchall()
        return sorted(r[0] for r in rows)

    # Either table is new: validate both, the other from the current snapshot, since each refers
    # to the other (practices name their network and sub-ICB organisations).
    keep = {"organisations": "_orgs", "practices": "_practices"}
    for table in REFERENCE_TABLES:
        ctx = Context(as_of=run.as_of, organisation_codes="(SELECT DISTINCT org_code FROM _orgs)")
        if table in extract.reference:
            f = extract.reference[table]
            relation, malformed = run.relation(f)
            types, relpath, status, origin = f.source_types, f.relpath, "new", run.snapshot_id
            fingerprint = run.fps[f.path]
        else:
            path = prev_path / table / f"{table}.parquet"
            relation, malformed = parquet_source(path), []
            described = run.con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            types = {row[0]: row[1] for row in described if row[0] != "_row"}
            relpath = f"snapshot {run.prev['snapshot_id']}: {table}/{table}.parquet"
            status, origin = "revalidated", run.prev_report["reference"][table]["ingested_in"]
            fingerprint = run.prev["reference"][table]["fingerprint"]
        counts = validate_file(
            run.con,
            table=table,
            source=relation,
            source_types=types,
            relpath=relpath,
            ctx=ctx,
            out_path=run.out(table, f"{table}.parquet"),
            quarantine_path=run.staged / "quarantine" / table / f"{table}.parquet",
            keep_as=keep[table],
            malformed=malformed,
        )
        run.reference_report[table] = {
            "status": status,
            "ingested_in": origin,
            "file": relpath,
            "fingerprint": fingerprint,
            "counts": counts.as_dict(),
        }
        run.progress.step(f"validated {table}")
    return sorted(r[0] for r in run.con.execute("SELECT practice_code FROM _practices").fetchall())


def _carry(run: _Run, folder: str, name: str) -> None:
    """Link `folder/name.parquet` (and its quarantine file, if any) from the current snapshot."""
    link_or_copy(run.prev_path / folder / f"{name}.parquet", run.staged / folder / f"{name}.parquet")
    quarantined = run.prev_path / "quarantine" / folder / f"{name}.parquet"
    if quarantined.exists():
        link_or_copy(quarantined, run.staged / "quarantine" / folder / f"{name}.parquet")


# -- practices ---------------------------------------------------------------------------------


def _validate_practice_table(
    run: _Run, code: str, table: str, ctx: Context, out: Path, keep_as: str | None
) -> Counts:
    f = run.extract.practices[code][table]
    relation, malformed = run.relation(f)
    counts = validate_file(
        run.con,
        table=table,
        source=relation,
        source_types=f.source_types,
        relpath=f.relpath,
        ctx=ctx,
        out_path=out,
        quarantine_path=run.staged / "quarantine" / table / f"{code}.parquet",
        keep_as=keep_as,
        malformed=malformed,
    )
    run.practice_report.setdefault(code, {"status": "new", "ingested_in": run.snapshot_id, "tables": {}})
    run.practice_report[code]["tables"][table] = counts.as_dict()
    run.progress.step(f"{code} {table}")
    return counts


def _practice_patients(run: _Run, i: int, code: str, known: bool) -> None:
    base = Context(as_of=run.as_of, practice=code, practice_known=known)
    _validate_practice_table(
        run, code, "patients", base, run.out("practice_patients", f"{code}.parquet"), f"_pat_{i}"
    )
    ctx = Context(as_of=run.as_of, practice=code, practice_known=known, practice_patients=f"_pat_{i}")
    _validate_practice_table(
        run, code, "registrations", ctx, run.out("registrations", f"{code}.parquet"), f"_reg_{i}"
    )
    (unregistered,) = run.con.execute(
        f"SELECT count(*) FROM _pat_{i} WHERE patient_id NOT IN (SELECT patient_id FROM _reg_{i})"
    ).fetchall()[0]
    if unregistered:
        run.warnings.append(
            f"practice {code}: {unregistered} patient(s) have no registration at the practice"
        )


def _merge(run: _Run, new_codes: list[str], carried: list[str]) -> Conflicts:
    cols = ", ".join(q(c) for c in PATIENT_COLUMNS)
    candidates, starts = [], []
    for i, code in enumerate(new_codes):
        candidates.append(f"SELECT {lit(code)} AS _practice, {cols} FROM _pat_{i}")
        starts.append(
            f"SELECT {lit(code)} AS _practice, patient_id, max(start_date) AS latest_start FROM _reg_{i} GROUP BY ALL"
        )
    for code in carried:
        pat = lit(str(run.prev_path / "practice_patients" / f"{code}.parquet"))
        reg = lit(str(run.prev_path / "registrations" / f"{code}.parquet"))
        candidates.append(f"SELECT {lit(code)} AS _practice, {cols} FROM read_parquet({pat})")
        starts.append(
            f"SELECT {lit(code)} AS _practice, patient_id, max(start_date) AS latest_start FROM read_parquet({reg}) GROUP BY ALL"
        )
    empty = ", ".join(f"CAST(NULL AS {SQL_TYPE[str(f.type)]}) AS {q(f.name)}" for f in SCHEMAS["patients"])
    candidates = candidates or [f"SELECT CAST(NULL AS VARCHAR) AS _practice, {empty} WHERE FALSE"]
    starts = starts or [
        "SELECT CAST(NULL AS VARCHAR) AS _practice, CAST(NULL AS BIGINT) AS patient_id, "
        "CAST(NULL AS DATE) AS latest_start WHERE FALSE"
    ]
    run.con.execute(f"CREATE OR REPLACE TEMP TABLE _candidates AS {' UNION ALL '.join(candidates)}")
    run.con.execute(f"CREATE OR REPLACE TEMP TABLE _starts AS {' UNION ALL '.join(starts)}")
    conflicts = merge_patients(run.con, "_candidates", "_starts")
    run.con.execute(
        "CREATE OR REPLACE TEMP TABLE _merged AS SELECT * FROM _merged ORDER BY _owner, patient_id"
    )
    for code in [*new_codes, *carried]:
        write_query(
            run.con,
            f"SELECT {cols} FROM _merged WHERE _owner = {lit(code)}",
            SCHEMAS["patients"],
            run.out("patients", f"{code}.parquet"),
        )
    if conflicts.patients:
        conflict_rows = run.con.sql("SELECT * FROM _conflicts").to_arrow_table()
        pq.write_table(conflict_rows, run.out("quarantine", "patient_conflicts.parquet"), compression="zstd")
    if run.prev_path is not None and carried:
        _warn_changed_patients(run, carried)
    run.con.execute("DROP TABLE _candidates; DROP TABLE _starts; DROP TABLE _conflicts")
    run.progress.step("merged patients across practices")
    return conflicts


def _warn_changed_patients(run: _Run, carried: list[str]) -> None:
    """Carried practices were validated against the patients' dates as they were then."""
    previous = lit(str(run.prev_path / "patients" / "*.parquet"))
    rows = run.con.execute(f"""
        SELECT c._practice, count(*) FROM _candidates AS c
        JOIN read_parquet({previous}) AS p USING (patient_id)
        JOIN _merged AS m USING (patient_id)
        WHERE c._practice IN ({", ".join(lit(c) for c in carried)})
          AND (p.date_of_birth IS DISTINCT FROM m.date_of_birth OR p.date_of_death IS DISTINCT FROM m.date_of_death)
        GROUP BY 1 ORDER BY 1
    """).fetchall()
    for code, n in rows:
        run.warnings.append(
            f"practice {code} was kept from an earlier extract, but {n} of its patients' dates of birth or death "
            "changed with this one; its records were checked against the old dates (send its extract again to recheck)"
        )


def _appointment_ids_elsewhere(run: _Run, new_codes: list[str], carried: list[str]) -> None:
    """Appointment ids of the new practices that another practice uses too (ids are unique in a
    snapshot). Practices whose id ranges do not overlap cannot share one, so only overlapping
    practices are compared id by id: cheap in the usual case of one id range per practice."""
    ids = {}
    for code in new_codes:
        relation, _ = run.relation(run.extract.practices[code]["appointments"])
        ids[code] = f"SELECT TRY_CAST(appointment_id AS BIGINT) AS id FROM {relation}"
    for code in carried:
        ids[code] = (
            f"SELECT appointment_id AS id FROM read_parquet({lit(str(run.prev_path / 'appointments' / f'{code}.parquet'))})"
        )
    ranges = []
    for code, sql in ids.items():
        lo, hi = run.con.execute(f"SELECT min(id), max(id) FROM ({sql})").fetchall()[0]
        if lo is not None:
            ranges.append((lo, hi, code))
    overlapping = {
        code
        for lo, hi, code in ranges
        for lo2, hi2, code2 in ranges
        if code2 != code and lo <= hi2 and lo2 <= hi
    }
    new = [c for c in new_codes if c in overlapping]
    run.con.execute("CREATE OR REPLACE TEMP TABLE _appt_elsewhere (appointment_id BIGINT)")
    if new:
        run.con.execute(
            "CREATE OR REPLACE TEMP TABLE _new_ids AS "
            + " UNION ALL ".join(
                f"SELECT DISTINCT {lit(c)} AS p, id FROM ({ids[c]}) WHERE id IS NOT NULL" for c in new
            )
        )
        # kept practices only matter where they share an id with a new one
        others = [
            f"SELECT DISTINCT {lit(c)} AS p, id FROM ({ids[c]}) WHERE id IN (SELECT id FROM _new_ids)"
            for c in sorted(overlapping - set(new))
        ]
        run.con.execute(f"""
            INSERT INTO _appt_elsewhere
            SELECT id FROM (SELECT p, id FROM _new_ids {"".join(" UNION ALL " + o for o in others)})
            GROUP BY id HAVING count(*) > 1
        """)
        run.con.execute("DROP TABLE _new_ids")
    run.progress.step("checked appointment ids across practices")


def _practice_events(run: _Run, i: int, code: str, known: bool) -> None:
    run.con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ctx_{i} AS
        SELECT p.patient_id, m.date_of_birth, m.date_of_death, r.patient_id IS NOT NULL AS registered
        FROM _pat_{i} AS p JOIN _merged AS m USING (patient_id)
        LEFT JOIN (SELECT DISTINCT patient_id FROM _reg_{i}) AS r USING (patient_id)
    """)
    ctx = Context(
        as_of=run.as_of,
        practice=code,
        practice_known=known,
        patient_context=f"_ctx_{i}",
        appointment_ids_elsewhere="_appt_elsewhere",
    )
    for table in EVENT_TABLES:
        _validate_practice_table(run, code, table, ctx, run.out(table, f"{code}.parquet"), None)
    run.con.execute(f"DROP TABLE _ctx_{i}; DROP TABLE _pat_{i}; DROP TABLE _reg_{i}")


def _carry_practice(run: _Run, code: str) -> None:
    for table in PATIENT_TABLES:
        _carry(run, table, code)
    _carry(run, "practice_patients", code)
    quarantined = run.prev_path / "quarantine" / "patients" / f"{code}.parquet"
    if quarantined.exists():
        link_or_copy(quarantined, run.staged / "quarantine" / "patients" / f"{code}.parquet")
    before = run.prev_report["practices"][code]
    run.practice_report[code] = {**before, "status": "carried"}


# -- manifest and report --------------------------------------------------------------------


def _report(run: _Run, conflicts: Conflicts) -> dict:
    totals: dict[str, Counts] = {t: Counts() for t in (*REFERENCE_TABLES, *PRACTICE_TABLES)}
    for table, entry in run.reference_report.items():
        totals[table].add(Counts.from_dict(entry["counts"]))
    for entry in run.practice_report.values():
        for table, counts in entry["tables"].items():
            totals[table].add(Counts.from_dict(counts))
    (published,) = run.con.execute("SELECT count(*) FROM _merged").fetchall()[0]
    return {
        "snapshot_id": run.snapshot_id,
        "created_at": _now(),
        "source": str(run.extract.root.resolve()),
        "as_of": run.as_of.isoformat(),
        "previous_snapshot": run.prev["snapshot_id"] if run.prev else None,
        "tables": {t: c.as_dict() for t, c in totals.items()},
        "reference": run.reference_report,
        "practices": dict(sorted(run.practice_report.items())),
        "patients": {"published": published, "conflicts": conflicts.as_dict()},
        "warnings": run.warnings,
    }


def _manifest(run: _Run, new_codes: list[str], carried: list[str]) -> dict:
    prev = run.prev or {}
    tables = {}
    for table in SCHEMAS:
        folder = run.staged / table
        if not any(folder.glob("*.parquet")):
            # Every table has at least one file, so readers never meet an empty glob.
            # (Practice codes cannot start with "_", so this name is never a practice's.)
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(SCHEMAS[table].empty_table(), folder / "_empty.parquet")
        files = sorted(p.name for p in folder.glob("*.parquet"))
        (rows,) = (
            run.con.execute(
                f"SELECT count(*) FROM read_parquet({lit(str(folder / '*.parquet'))})"
            ).fetchall()[0]
            if files
            else (0,)
        )
        tables[table] = {"rows": rows, "files": files}
    practices = {}
    for code in new_codes:
        f = run.extract.practices[code]
        practices[code] = {
            "ingested_in": run.snapshot_id,
            "source": str(run.extract.root.resolve()),
            "fingerprints": {t: run.fps[s.path] for t, s in f.items()},
        }
    for code in carried:
        practices[code] = {k: v for k, v in prev["practices"][code].items() if k != "rows"}
    for code in practices:
        practices[code]["rows"] = {t: _rows(run.staged / t / f"{code}.parquet") for t in PRACTICE_TABLES}
    reference = {
        table: {
            "ingested_in": entry["ingested_in"],
            "fingerprint": entry.get("fingerprint")
            or prev.get("reference", {}).get(table, {}).get("fingerprint"),
            "file": entry.get("file"),
        }
        for table, entry in run.reference_report.items()
    }
    return {
        "snapshot_id": run.snapshot_id,
        "created_at": _now(),
        "created_by": CREATED_BY,
        "gpqi_version": __version__,
        "rules_version": RULES_VERSION,
        "as_of": run.as_of.isoformat(),
        "source": {"path": str(run.extract.root.resolve()), "manifest": run.extract.manifest},
        "previous_snapshot": prev.get("snapshot_id"),
        "tables": tables,
        "reference": reference,
        "practices": dict(sorted(practices.items())),
    }


def _rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows if path.exists() else 0


__all__ = ["IngestOutcome", "Progress", "ShrinkRefused", "fingerprints", "ingest"]
