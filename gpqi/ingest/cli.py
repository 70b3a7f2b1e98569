"""`gpqi ingest` and `gpqi status`."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from gpqi.workspace import DEFAULT_WORKSPACE

WorkspaceOption = Annotated[
    Path, typer.Option("--workspace", "-w", help="The workspace folder (created with gpqi.toml if missing).")
]


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def ingest_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="Extract folder: reference/ and practices/<code>/ (CDM Parquet or CSV, FHIR, EMIS or SystmOne)."
        ),
    ],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Dates after this day are 'in the future' (default: today).", metavar="YYYY-MM-DD"
        ),
    ] = None,
    drop_practice: Annotated[
        list[str] | None,
        typer.Option("--drop-practice", help="Leave this practice out of the new snapshot (repeatable)."),
    ] = None,
    accept_shrink: Annotated[
        list[str] | None,
        typer.Option(
            "--accept-shrink",
            help="Publish this practice even if it loses much of its data or many rows are quarantined "
            "(repeatable; see [ingest] max_shrink in gpqi.toml).",
            metavar="PRACTICE",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Format of the practice folders: cdm, fhir, emis or systmone (default: detected per folder).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the publish report as JSON.")] = False,
) -> None:
    """Validate an extract and publish it as the workspace's current snapshot.

    Bad rows are quarantined with their reason; a bad file stops the ingest and changes nothing.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from gpqi.ingest import IngestError, ingest
    from gpqi.ingest import Progress as IngestProgress
    from gpqi.ingest.render import formats_summary, report_renderable
    from gpqi.workspace import WorkspaceError

    console = Console(stderr=as_json)
    day = _parse_day(as_of)

    class Bar(IngestProgress):
        def __init__(self, bar: Progress) -> None:
            self.bar = bar
            self.task = bar.add_task("ingest", total=None)

        def start(self, total: int) -> None:
            self.bar.update(self.task, total=total)

        def step(self, description: str) -> None:
            self.bar.update(self.task, advance=1, description=description)

    columns = (TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            outcome = ingest(
                source,
                workspace,
                as_of=day,
                drop_practices=drop_practice or [],
                accept_shrink=accept_shrink or [],
                progress=Bar(bar),
                format=fmt,
            )
    except (IngestError, WorkspaceError) as exc:
        console.print(
            f"[red]ingest failed:[/] {escape(str(exc))}\nNothing was published; the workspace is unchanged."
        )
        raise typer.Exit(1) from None
    except Exception as exc:
        if os.environ.get("GPQI_DEBUG"):
            raise
        # The text of an unexpected error may quote data from the extract: show only its kind.
        console.print(
            f"[red]ingest failed with an internal error ({type(exc).__name__}).[/] Nothing was published. "
            "Set GPQI_DEBUG=1 to see the full error (it may quote values from the extract)."
        )
        raise typer.Exit(2) from None

    if as_json:
        typer.echo(
            json.dumps(
                {"status": outcome.status, "snapshot_id": outcome.snapshot_id, "report": outcome.report},
                indent=2,
            )
        )
        return
    for removed in outcome.removed:
        console.print(f"removed {removed}")
    if outcome.status == "unchanged":
        console.print(
            f"Unchanged: snapshot {outcome.snapshot_id} was built from these same files; nothing new published."
        )
        return
    console.print(report_renderable(outcome.report))
    for line in formats_summary(outcome.report, fmt):
        console.print(line)
    console.print(
        f"[green]Published snapshot {outcome.snapshot_id}[/] in {outcome.workspace} ({outcome.seconds:.1f} s); "
        f"report: snapshots/{outcome.snapshot_id}/report.json"
    )


def status_command(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show the workspace: current snapshot, snapshots, rows and quarantine per table and practice, last run."""
    from rich.console import Console

    from gpqi.ingest.render import status_renderable
    from gpqi.ingest.status import workspace_status
    from gpqi.workspace import WorkspaceError

    try:
        status = workspace_status(workspace)
    except WorkspaceError as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(status, indent=2, default=str))
        return
    Console().print(status_renderable(status))


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("status")(status_command)
