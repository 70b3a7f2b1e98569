"""The runner: evaluate indicators over every reporting date of a range in one pass, roll
the counts up the organisation tree, write results, list sizes, worklists and run.json.

    from gpqi.engine import run
    outcome = run("gpqi-workspace", dates="monthly:2016-04..2026-03")
    outcome.results  # pandas: indicator_id, indicator_version, reporting_date, org_type, ...

A definition's results are reused when its version, the snapshot and the dates are unchanged
since they were computed, so re-running an unchanged library on an unchanged snapshot does no
work (`outcome.computed` is empty).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from gpqi import __version__
from gpqi.engine import hooks, store
from gpqi.engine import versions as versions_history
from gpqi.engine.backends import Backend, connect
from gpqi.engine.counting import appointment_intervals, calendar_table, interval_deltas, running_counts
from gpqi.engine.dates import month_end, parse_dates
from gpqi.engine.rollup import practice_levels, roll_up
from gpqi.engine.schema import LIST_SIZES, RESULTS
from gpqi.engine.worklists import identified, patient_details, worklist
from gpqi.indicators import Indicator
from gpqi.indicators.compiler import (
    KEY,
    Compiler,
    codes_arrow,
    day_counts_of,
    needed_codelists,
    prepare_sources,
)
from gpqi.indicators.intervals import stack
from gpqi.indicators.model import parse_period
from gpqi.indicators.workspace import WorkspaceLibrary, workspace_library
from gpqi.workspace import Workspace, open_workspace

RESULT_COLUMNS = [f.name for f in RESULTS]
Progress = Callable[[str, int, int], None]


class RunError(RuntimeError):
    """A run cannot start (bad dates, unknown indicator, no snapshot)."""


@dataclass
class RunResult:
    results: pd.DataFrame
    list_sizes: pd.DataFrame
    info: dict[str, Any]
    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        """True when nothing needed computing (unchanged definitions, snapshot and dates)."""
        return not self.computed


def default_dates(today: dt.date | None = None) -> list[dt.date]:
    """The last 24 complete months (month ends) before today."""
    today = today or dt.date.today()
    year, month = today.year, today.month
    ends = []
    for _ in range(24):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(month_end(year, month))
    return sorted(ends)


def _digest(dates: list[dt.date]) -> str:
    return hashlib.sha256(",".join(d.isoformat() for d in dates).encode()).hexdigest()[:12]


def _resolve(library: WorkspaceLibrary, indicators: Iterable[Indicator | str] | None) -> list[Indicator]:
    if indicators is None:
        return library.selected()
    chosen = [item if isinstance(item, Indicator) else library.get(item) for item in indicators]
    ids = [ind.id for ind in chosen]
    if len(ids) != len(set(ids)):
        raise RunError("an indicator id is given twice")
    return chosen


def _read_small(ws: Workspace, table: str, snapshot: Path | None = None) -> pd.DataFrame:
    from gpqi.cdm.schema import SCHEMAS

    files = ws.table_files(table, snapshot)
    if not files:
        return SCHEMAS[table].empty_table().to_pandas()
    return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()


def table_rows(ws: Workspace, snapshot: Path | None = None) -> dict[str, int]:
    """Rows per CDM table in a snapshot, the current one by default (Parquet metadata only)."""
    from gpqi.cdm.schema import TABLES

    return {t: sum(pq.ParquetFile(f).metadata.num_rows for f in ws.table_files(t, snapshot)) for t in TABLES}


def open_snapshot(backend: Backend, ws: Workspace, snapshot: Path | None = None) -> dict[str, Any]:
    from gpqi.engine.backends import USED_COLUMNS

    return {table: backend.read_table(ws.table_files(table, snapshot), table) for table in USED_COLUMNS}


def _counts_frame(
    deltas: pd.DataFrame, parts: list[str], practices: list[str], dates: list[dt.date]
) -> pd.DataFrame:
    extra = sorted(set(deltas["practice_code"]) - set(practices)) if not deltas.empty else []
    frame = running_counts(deltas, [*practices, *extra], parts, len(dates))
    frame["reporting_date"] = [dates[i] for i in frame["idx"]]
    return frame.drop(columns="idx")


def run(
    workspace: Workspace | Path | str,
    indicators: Iterable[Indicator | str] | None = None,
    dates: str | Iterable[dt.date | str] | None = None,
    backend: str | None = None,
    *,
    worklists: bool = True,
    force: bool = False,
    write: bool = True,
    progress: Progress | None = None,
    spark_session: Any = None,
    series: str | None = None,
) -> RunResult:
    """Evaluate `indicators` (default: the workspace's library, `gpqi.indicators.workspace`:
    the built-ins its gpqi.toml selects and its own definitions) on every reporting date.

    With write=False nothing in the workspace changes (used by `gpqi bench`) and every
    indicator is computed. With `series="NAME"` the results, list sizes and run info go to
    `results/series/NAME/` (e.g. a campaign's weekly figures) and the main results, which the
    dashboard reads, are untouched; a series run writes no worklists (those follow the main
    run's latest date, for direct care).

    The run reads one snapshot throughout: the one current when it starts, held (`pinned`) so
    that an ingest publishing meanwhile neither changes what it reads nor prunes it. Its outputs
    are put in place together at the end (`store.RunOutputs`): all of them or none."""
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    if series is not None:
        ws.series_dir(series)  # validates the name before any work
    if write:
        store.recover(ws)
    outputs = store.RunOutputs(ws)
    try:
        with ws.pinned_snapshot() as snapshot:
            return _run(
                ws, snapshot, outputs, indicators, dates, backend, worklists, force, write, progress,
                spark_session, series,
            )  # fmt: skip
    except BaseException:
        outputs.discard()  # nothing staged is left behind (after a commit there is nothing to discard)
        raise


def _run(
    ws: Workspace,
    snapshot: Path,
    outputs: store.RunOutputs,
    indicators: Iterable[Indicator | str] | None,
    dates: str | Iterable[dt.date | str] | None,
    backend: str | None,
    worklists: bool,
    force: bool,
    write: bool,
    progress: Progress | None,
    spark_session: Any,
    series: str | None,
) -> RunResult:
    force = force or not write
    started = time.perf_counter()
    if series is not None:
        worklists = False
    results_path = ws.series_results_path(series)
    list_sizes_path = ws.series_list_sizes_path(series)
    run_info_path = ws.series_run_info_path(series)
    snapshot_id = snapshot.name
    day_list = parse_dates(dates) if dates is not None else default_dates()
    library = workspace_library(ws)
    chosen = _resolve(library, indicators)
    versions = {ind.id: ind.version for ind in chosen}
    digest = _digest(day_list)
    backend_name = backend or ws.config.engine.backend
    note = progress or (lambda _msg, _done, _total: None)

    previous = store.read_run_info(ws, series)
    previous_entries: dict[str, dict[str, Any]] = previous.get("indicators", {})
    up_to_date = {
        ind.id
        for ind in chosen
        if not force
        and previous_entries.get(ind.id, {}).get("version") == versions[ind.id]
        and previous_entries.get(ind.id, {}).get("snapshot_id") == snapshot_id
        and previous_entries.get(ind.id, {}).get("dates_digest") == digest
        and (not worklists or ind.unit != "patient" or previous_entries.get(ind.id, {}).get("worklists"))
        and results_path.exists()
    }
    to_compute = [ind for ind in chosen if ind.id not in up_to_date]
    old_results = (store.read_results(ws, series) if write else RESULTS.empty_table()).to_pandas()
    if not to_compute:
        kept = old_results[old_results["indicator_id"].isin(list(versions))]
        return RunResult(
            results=kept.reset_index(drop=True),
            list_sizes=store.read_list_sizes(ws, series).to_pandas(),
            info=previous,
            computed=[],
            reused=[ind.id for ind in chosen],
        )

    timings: dict[str, float] = {}
    practices_df = _read_small(ws, "practices", snapshot)
    organisations = _read_small(ws, "organisations", snapshot)
    practices = sorted(practices_df["practice_code"])

    engine = connect(
        backend_name,
        threads=ws.config.engine.threads,
        memory_limit=ws.config.engine.memory_limit,
        spark_master=ws.config.engine.spark_master,
        spark_session_=spark_session,
    )
    try:
        t0 = time.perf_counter()
        tables = open_snapshot(engine, ws, snapshot)
        hooks.stage("run:opened")
        needed = needed_codelists(to_compute)
        codes = engine.upload(codes_arrow(needed, library.codelists.load))
        sources = prepare_sources(tables, codes, needed)
        sources.coded = engine.materialise(sources.coded)
        # Read by the population and by every `registered` criterion: computed once.
        sources.runs = engine.materialise(sources.runs)
        compiler = Compiler(sources, materialise=engine.materialise)
        calendar = engine.upload(calendar_table(day_list))
        patients = sources.patients
        opted = patients.filter(patients.type1_opt_out).select(_pid=patients[KEY])
        timings["prepare"] = round(time.perf_counter() - t0, 3)

        t0 = time.perf_counter()
        base_deltas = interval_deltas(compiler.base(), calendar, day_list, "list_size").to_pandas()
        sizes = _counts_frame(base_deltas, ["list_size"], practices, day_list)
        timings["list_sizes"] = round(time.perf_counter() - t0, 3)

        # Every appointment indicator is counted per practice and day in one pass.
        t0 = time.perf_counter()
        by_appointment = [ind for ind in to_compute if ind.unit != "patient"]
        place = {ind.id: number for number, ind in enumerate(by_appointment)}
        day_counts = (
            engine.materialise(compiler.appointment_day_counts(by_appointment)) if by_appointment else None
        )
        timings["appointment_days"] = round(time.perf_counter() - t0, 3)

        practice_frames: list[pd.DataFrame] = []
        worklist_tables: dict[str, pa.Table] = {}
        per_indicator: dict[str, float] = {}
        for number, indicator in enumerate(to_compute, start=1):
            note(indicator.id, number - 1, len(to_compute))
            t0 = time.perf_counter()
            parts = ["before_exclusions", "denominator", "numerator"]
            if indicator.unit == "patient":
                pops = compiler.patient_populations(indicator)
                exprs = {
                    part: (tbl := getattr(pops, part)).anti_join(opted, tbl[KEY] == opted._pid)
                    for part in parts
                }
            else:
                period = parse_period(indicator.period)
                exprs = {
                    part: appointment_intervals(day_counts_of(day_counts, place[indicator.id], part), period)
                    for part in parts
                }
            steps = [interval_deltas(expr, calendar, day_list, part) for part, expr in exprs.items()]
            combined = stack(steps)
            counts = _counts_frame(combined.to_pandas(), parts, practices, day_list)
            counts = counts.rename(columns={"practice_code": "org_code"})
            counts["excluded"] = counts["before_exclusions"] - counts["denominator"]
            counts["indicator_id"] = indicator.id
            counts["indicator_version"] = versions[indicator.id]
            practice_frames.append(counts.drop(columns="before_exclusions"))
            if worklists and indicator.unit == "patient":
                frame = worklist(compiler, indicator, pops, day_list[-1])
                details = patient_details(ws.table_files("patients", snapshot), frame[KEY].tolist())
                worklist_tables[indicator.id] = identified(
                    frame, details, indicator, versions[indicator.id], day_list[-1]
                )
            per_indicator[indicator.id] = round(time.perf_counter() - t0, 3)
        note("done", len(to_compute), len(to_compute))
    finally:
        engine.close()

    t0 = time.perf_counter()
    practice_rows = pd.concat(practice_frames, ignore_index=True)
    levels = practice_levels(practices_df, organisations, sorted(set(practice_rows["org_code"])))
    new_results = roll_up(practice_rows, levels)[RESULT_COLUMNS]
    kept_old = old_results[~old_results["indicator_id"].isin([ind.id for ind in to_compute])]
    results = pd.concat([kept_old, new_results], ignore_index=True) if len(kept_old) else new_results
    results = results.sort_values(["indicator_id", "org_type", "org_code", "reporting_date"]).reset_index(
        drop=True
    )
    results_table = pa.Table.from_pandas(results, schema=RESULTS, preserve_index=False)
    sizes_table = pa.Table.from_pandas(
        sizes[["practice_code", "reporting_date", "list_size"]], schema=LIST_SIZES, preserve_index=False
    )
    if write:
        outputs.table(results_path, results_table)
        outputs.table(list_sizes_path, sizes_table)
        worklist_rows = {
            ind_id: outputs.worklists(ind_id, table, practices) for ind_id, table in worklist_tables.items()
        }
    else:
        worklist_rows = {ind_id: table.num_rows for ind_id, table in worklist_tables.items()}
    timings["write"] = round(time.perf_counter() - t0, 3)
    timings["total"] = round(time.perf_counter() - started, 3)

    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    entries = dict(previous_entries) if previous.get("snapshot_id") else {}
    entries = {k: v for k, v in entries.items() if k in set(old_results["indicator_id"])}
    for indicator in to_compute:
        entries[indicator.id] = {
            "version": versions[indicator.id],
            "title": indicator.title,
            "snapshot_id": snapshot_id,
            "dates_digest": digest,
            "first_date": day_list[0].isoformat(),
            "last_date": day_list[-1].isoformat(),
            "computed_at": now,
            "seconds": per_indicator[indicator.id],
            "worklists": indicator.id in worklist_tables,
            "worklist_rows": worklist_rows.get(indicator.id, 0),
        }
    info = {
        "run_at": now,
        "gpqi_version": __version__,
        "snapshot_id": snapshot_id,
        "backend": backend_name,
        "series": series,
        "dates": {
            "spec": dates if isinstance(dates, str) else None,
            "first": day_list[0].isoformat(),
            "last": day_list[-1].isoformat(),
            "count": len(day_list),
            "digest": digest,
        },
        "computed": [ind.id for ind in to_compute],
        "reused": sorted(up_to_date),
        "indicators": entries,
        "timings_seconds": {**timings, "per_indicator": per_indicator},
        "rows": {
            "snapshot": table_rows(ws, snapshot),
            "results": results_table.num_rows,
            "list_sizes": sizes_table.num_rows,
            "worklists": sum(worklist_rows.values()),
        },
    }
    if write:
        outputs.json(run_info_path, info)  # last: it says the others are complete
        hooks.stage("run:staged")
        outputs.commit()
        if series is None:
            versions_history.record(ws, {i.id: entries[i.id] for i in to_compute}, now)
    chosen_ids = [ind.id for ind in chosen]
    return RunResult(
        results=results[results["indicator_id"].isin(chosen_ids)].reset_index(drop=True),
        list_sizes=sizes_table.to_pandas(),
        info=info,
        computed=[ind.id for ind in to_compute],
        reused=sorted(up_to_date),
    )
