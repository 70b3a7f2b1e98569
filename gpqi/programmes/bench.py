"""`gpqi bench`: how long the full library takes over a time series, and with how much memory.

Three measurements, each in a fresh subprocess so each has its own peak memory (peak
resident set size of that process, which includes DuckDB's memory):

- floor: one pass over every table definitions read, keeping only the rows and columns they
  can use and grouping them per patient and code (gpqi.programmes.floor): the least any engine
  evaluating the whole library must do,
- one date: the full library for the last reporting date alone,
- time series: the full library for every reporting date (120 month ends by default).

Results are computed but not written to the workspace. A synthetic workspace is generated
(gpqi.synth + gpqi.ingest) into the cache folder on first use and reused afterwards. This sits
above the engine (in gpqi.programmes) because it drives synth, ingest and the engine together.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import platform
import resource
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from gpqi.engine.dates import parse_dates
from gpqi.engine.runner import run, table_rows
from gpqi.indicators import load_library
from gpqi.ingest import ingest
from gpqi.programmes.floor import cpu_seconds, floor
from gpqi.synth import SynthConfig, generate
from gpqi.workspace import Workspace, WorkspaceError, open_workspace


def _peak_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor(root: str, threads: int | None, memory_limit: str | None) -> dict[str, Any]:
    ws = open_workspace(root)
    measured = floor(ws, threads or ws.config.engine.threads, memory_limit or ws.config.engine.memory_limit)
    return {**measured, "peak_rss_mb": _peak_mb()}


def _series(
    root: str,
    dates: str | list[str],
    backend: str,
    threads: int | None,
    memory_limit: str | None,
    spark_master: str | None = None,
) -> dict[str, Any]:
    ws = open_workspace(root)
    settings = (("threads", threads), ("memory_limit", memory_limit), ("spark_master", spark_master))
    update = {k: v for k, v in settings if v}
    if update:
        config = ws.config.model_copy(update={"engine": ws.config.engine.model_copy(update=update)})
        ws = Workspace(root=ws.root, config=config)
    cpu = cpu_seconds()
    started = time.perf_counter()
    outcome = run(ws, dates=dates, backend=backend, force=True, write=False)
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu,
        "peak_rss_mb": _peak_mb(),
        "result_rows": len(outcome.results),
        "worklist_rows": outcome.info["rows"]["worklists"],
        "timings": outcome.info["timings_seconds"],
        # The master the session really ran on (a cluster's URL, or local[...]).
        "spark_master": _session_master() if backend == "pyspark" else None,
    }


def _session_master() -> str:
    from gpqi.engine.backends import spark_session  # this process's session, already built

    return str(spark_session().sparkContext.master)


class MeasureFailed(RuntimeError):
    """A measuring process raised, or died without reporting (e.g. killed for memory)."""


def _report_back(send: Connection, target: Callable[..., dict[str, Any]], args: tuple[Any, ...]) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", target(*args))
    except BaseException:  # everything goes back to the parent, which raises it
        outcome = ("error", traceback.format_exc())
    send.send(outcome)
    send.close()


def _in_subprocess(target: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    # A process of its own rather than a multiprocessing.Pool: a pool replaces a worker that
    # was killed (the out-of-memory killer at a large population) and waits for its answer
    # forever, so the bench hung instead of failing.
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_report_back, args=(send, target, args))
    process.start()
    send.close()  # the child holds the only sending end, so its death ends recv() below
    try:
        kind, value = receive.recv()
    except EOFError:
        kind, value = "died", None
    finally:
        receive.close()
        process.join()
    if kind == "ok":
        return value
    if kind == "error":
        raise MeasureFailed(f"{target.__name__} failed in its measuring process:\n{value}")
    code = process.exitcode
    how = f"was killed by signal {-code}" if code is not None and code < 0 else f"exited with code {code}"
    hint = (
        " (SIGKILL: on Linux usually the out-of-memory killer; try a lower --memory-limit)"
        if code == -9
        else ""
    )
    raise MeasureFailed(f"the measuring process of {target.__name__} {how} before reporting{hint}")


def prepare(patients: int, cache: Path, practices: int | None, say: Callable[[str], None]) -> Workspace:
    """The cached synthetic workspace for `patients`, generated and ingested if missing."""
    root = cache / f"ws-{patients}"
    try:
        ws = open_workspace(root)
        ws.current_snapshot()
        say(f"reusing {root}")
        return ws
    except WorkspaceError:
        pass
    source = cache / f"synth-{patients}"
    config = SynthConfig(
        patients=patients, practices=practices or max(1, round(patients / 9000)), seed=1, workers=2
    )
    say(f"generating {patients:,} patients into {source} ...")
    started = time.perf_counter()
    generate(source, config, overwrite=True)
    say(f"  {time.perf_counter() - started:.0f} s; ingesting into {root} ...")
    started = time.perf_counter()
    ingest(source, root)
    say(f"  {time.perf_counter() - started:.0f} s")
    return open_workspace(root)


def bench(
    *,
    patients: int,
    workspace: Path | None,
    cache: Path,
    practices: int | None,
    dates: str,
    backend: str,
    threads: int | None,
    memory_limit: str | None = None,
    spark_master: str | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    ws = open_workspace(workspace) if workspace else prepare(patients, cache, practices, say)
    day_list = parse_dates(dates)
    rows = table_rows(ws)
    root = str(ws.root)
    say("floor: one pass over the rows definitions can use, grouped per patient and code ...")
    least = _in_subprocess(_floor, root, threads, memory_limit)
    say(f"  {least['seconds']:.2f} s")
    say(f"one date ({day_list[-1]}) ...")
    one = _in_subprocess(
        _series, root, [day_list[-1].isoformat()], backend, threads, memory_limit, spark_master
    )
    say(f"  {one['seconds']:.1f} s")
    say(f"time series ({len(day_list)} dates) ...")
    series = _in_subprocess(_series, root, dates, backend, threads, memory_limit, spark_master)
    say(f"  {series['seconds']:.1f} s")
    registered = rows.get("patients", 0)
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": multiprocessing.cpu_count(), "python": platform.python_version()},
        "workspace": root,
        "snapshot_id": ws.current_snapshot().name,
        "patients_label": patients if workspace is None else ws.root.name,
        "patients_in_snapshot": registered,
        "rows_processed": sum(rows.values()),
        "rows_by_table": rows,
        "backend": backend,
        "threads": threads,
        "memory_limit": memory_limit,
        "spark_master": series["spark_master"],
        "indicators": len(load_library()),
        "dates": len(day_list),
        "floor": {"label": "floor: one pass, grouped per patient and code", **least},
        "one_date": {"label": f"full library, 1 date ({day_list[-1]})", **one},
        "time_series": {"label": f"full library, {len(day_list)} dates", **series},
        "ratio_series_to_one_date": series["seconds"] / one["seconds"],
        "ratio_one_date_to_floor": one["seconds"] / least["seconds"],
        "ratio_series_to_floor": series["seconds"] / least["seconds"],
        "load_average_at_end": list(os.getloadavg()),  # 1, 5, 15 minutes
    }
