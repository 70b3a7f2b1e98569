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


def preview_command(
    indicator_id: Annotated[str, typer.Argument(help="The indicator id (built-in or the workspace's).")],
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
    date: Annotated[
        str | None, typer.Option(help="Reporting date YYYY-MM-DD (default: the last run's last date).")
    ] = None,
    backend: Annotated[str, typer.Option(help="duckdb or pyspark.")] = "duckdb",
) -> None:
    """Evaluate one definition on the current snapshot: per-practice counts and the attrition."""
    import datetime as dt

    from rich.markup import escape

    from gpqi.engine.preview import preview
    from gpqi.indicators import IndicatorError
    from gpqi.workspace import WorkspaceError

    console = Console(soft_wrap=True, highlight=False)
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        console.print(f"[red]error:[/] --date {escape(date or '')}: not a date like 2026-03-31")
        raise typer.Exit(2) from None
    try:
        with console.status(f"previewing {indicator_id} ..."):
            result = preview(workspace, indicator_id, day, backend=backend)
    except (WorkspaceError, IndicatorError) as exc:
        console.print(f"[red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    ind = result.indicator
    console.print(
        f"[bold]{escape(ind.title)}[/] ({ind.id}, version {ind.version}) on {result.reporting_date}, "
        f"snapshot {result.snapshot_id}: {result.numerator:,} / {result.denominator:,}"
        + (f" = {result.numerator / result.denominator:.1%}" if result.denominator else "")
        + f", {result.excluded:,} excluded; {result.seconds:.1f} s"
    )
    table = Table("practice", "denominator", "numerator", "excluded", "value", title="Per practice")
    for p in result.practices:
        table.add_row(p.practice_code, f"{p.denominator:,}", f"{p.numerator:,}", f"{p.excluded:,}",
                      "–" if p.value is None else f"{p.value:.1%}")  # fmt: skip
    console.print(table)
    unit = "appointments" if ind.unit == "appointment" else "patients"
    steps = Table("", "step", unit, "left out", title="Attrition: each criterion in turn")
    previous = None
    for number, step in enumerate(result.attrition, start=1):
        dropped = "" if previous is None else f"{previous - step.total:,}"
        steps.add_row(f"{number}", f"{step.part}: {escape(step.label)}", f"{step.total:,}", dropped)
        previous = step.total
    console.print(steps)
    console.print("Counts are raw (central team only); nothing was written to the workspace.")


def register(app: typer.Typer) -> None:
    from gpqi.indicators.cli import indicators_app

    indicators_app.command("preview")(preview_command)
    app.command("run")(run_command)
