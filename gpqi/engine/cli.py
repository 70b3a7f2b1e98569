"""`gpqi run` and `gpqi bench`: compute indicator results; measure speed and memory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gpqi.workspace import DEFAULT_WORKSPACE


def run_command(
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
    indicators: Annotated[
        str | None, typer.Option(help="Comma-separated indicator ids (default: the whole library).")
    ] = None,
    dates: Annotated[
        str | None,
        typer.Option(
            help="monthly:2016-04..2026-03 (month ends), weekly:FIRST..LAST, daily:FIRST..LAST, or "
            "a comma-separated list of dates. Default: the last 24 complete months.",
        ),
    ] = None,
    backend: Annotated[
        str | None, typer.Option(help="duckdb or pyspark (default: the workspace's engine.backend setting).")
    ] = None,
    no_worklists: Annotated[bool, typer.Option("--no-worklists", help="Skip the patient worklists.")] = False,
    force: Annotated[bool, typer.Option(help="Recompute even when nothing changed.")] = False,
    series: Annotated[
        str | None,
        typer.Option(
            help="Write to a named results series (results/series/NAME/, e.g. a campaign's weekly "
            "figures) instead of the main results; no worklists.",
        ),
    ] = None,
) -> None:
    """Compute results, roll-ups and worklists for every reporting date, into the workspace."""
    from gpqi.engine.dates import DatesError
    from gpqi.engine.runner import RunError, run
    from gpqi.indicators import IndicatorError
    from gpqi.workspace import WorkspaceError

    console = Console(soft_wrap=True)
    chosen = [part.strip() for part in indicators.split(",") if part.strip()] if indicators else None
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("preparing", total=None)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total)

        try:
            outcome = run(
                workspace,
                chosen,
                dates=dates,
                backend=backend,
                worklists=not no_worklists,
                force=force,
                progress=progress,
                series=series,
            )
        except (WorkspaceError, IndicatorError, DatesError, RunError) as exc:
            console.print(f"[red]error:[/] {exc}", highlight=False)
            raise typer.Exit(2) from None
    if outcome.skipped:
        console.print(
            f"Nothing to do: {len(outcome.reused)} indicator(s) already computed for this snapshot and these "
            "dates (use --force to recompute)."
        )
        return
    info = outcome.info
    results = outcome.results
    practice_rows = results[results["org_type"] == "practice"]
    console.print(
        f"Computed {len(outcome.computed)} indicator(s) ({len(outcome.reused)} unchanged) on snapshot "
        f"{info['snapshot_id']} with {info['backend']}: {info['dates']['count']} reporting dates "
        f"{info['dates']['first']}..{info['dates']['last']}, {practice_rows['org_code'].nunique()} practices, "
        f"{info['rows']['results']:,} result rows, {info['rows']['worklists']:,} worklist rows, "
        f"{info['timings_seconds']['total']:.1f} s."
    )
    last = results[
        (results["reporting_date"] == results["reporting_date"].max()) & (results["org_type"] == "programme")
    ]
    table = Table(
        "indicator",
        "numerator",
        "denominator",
        "excluded",
        "value",
        title=f"Programme on {info['dates']['last']}",
    )
    for row in last.sort_values("indicator_id").itertuples():
        value = "–" if row.value != row.value else f"{row.value:.1%}"
        table.add_row(
            row.indicator_id, f"{row.numerator:,}", f"{row.denominator:,}", f"{row.excluded:,}", value
        )
    console.print(table)
    where = Path(workspace) / "results" / ("series/" + series if series else "")
    console.print(f"Results: {where}")


def bench_command(
    patients: Annotated[int, typer.Option(help="Synthetic patients (used when generating).")] = 100_000,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace", "-w", help="Use this workspace's current snapshot instead of generating one."
        ),
    ] = None,
    cache: Annotated[Path, typer.Option(help="Where generated workspaces are kept for reuse.")] = Path(
        "gpqi-bench"
    ),
    practices: Annotated[
        int | None, typer.Option(help="Practices when generating (default: patients / 9,000).")
    ] = None,
    dates: Annotated[str, typer.Option(help="The time series to run.")] = "monthly:2016-04..2026-03",
    backend: Annotated[str, typer.Option(help="duckdb or pyspark.")] = "duckdb",
    out: Annotated[
        Path | None, typer.Option(help="JSON report (default: <cache>/bench-<patients>.json).")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="DuckDB threads (default: all cores).")] = None,
    memory_limit: Annotated[
        str | None, typer.Option(help="DuckDB memory limit, e.g. 6GB (default: the workspace's setting).")
    ] = None,
) -> None:
    """Speed and memory: the full library over a time series, one date alone, and the floor."""
    from gpqi.engine.bench import bench

    console = Console()
    report = bench(
        patients=patients,
        workspace=workspace,
        cache=cache,
        practices=practices,
        dates=dates,
        backend=backend,
        threads=threads,
        memory_limit=memory_limit,
        say=lambda text: console.print(text, highlight=False),
    )
    target = out or cache / f"bench-{report['patients_label']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    import json

    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = Table("measure", "wall (s)", "peak memory (MB)", title="gpqi bench")
    for name in ("floor", "one_date", "time_series"):
        part = report[name]
        table.add_row(part["label"], f"{part['seconds']:.1f}", f"{part['peak_rss_mb']:.0f}")
    console.print(table)
    console.print(
        f"{report['rows_processed']:,} snapshot rows; {report['indicators']} indicators; "
        f"{report['dates']} dates cost {report['ratio_series_to_one_date']:.1f}x one date "
        f"and {report['ratio_series_to_floor']:.1f}x the floor. Report: {target}"
    )


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
    app.command("bench")(bench_command)
