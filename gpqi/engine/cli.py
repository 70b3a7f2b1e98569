"""`gpqi run`: compute indicator results, roll-ups and worklists into the workspace."""

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


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
