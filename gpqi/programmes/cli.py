"""`gpqi demo` and `gpqi bench`: the commands that drive the whole pipeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gpqi.web.cli import DEFAULT_THREADS, WorkspaceOpt, prepare, run_server
from gpqi.workspace import open_workspace

console = Console()


def demo(
    workspace: Path = WorkspaceOpt,
    port: int = typer.Option(8000, help="Port to listen on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the demo and exit."),
) -> None:
    """Build the demo programme (if missing), create one user per role, and serve it."""
    from gpqi.programmes.demo import build_data  # the pipeline (Ibis): off the CLI's start-up path

    build_data(workspace, lambda msg: console.print(msg))
    prepare(workspace)
    # Django models load only once `prepare` has set Django up for this workspace.
    from gpqi.programmes.demo_accounts import DEMO_PASSWORD, setup_governance
    from gpqi.programmes.demo_projects import setup_alert_subscriptions, setup_projects, write_network_pack

    logins = setup_governance(open_workspace(workspace))
    setup_projects(open_workspace(workspace))
    setup_alert_subscriptions()
    with console.status("Writing the demo's network meeting pack"):
        pack = write_network_pack(open_workspace(workspace))
    if pack is not None:
        console.print(f"Meeting pack for one network: {pack}")
    table = Table("username", "role", "sees", title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    for login in logins:
        table.add_row(login.username, login.role, login.scope)
    console.print(table)
    if no_serve:
        console.print(
            f"The demo is built. Serve it with [bold]gpqi serve --workspace {workspace} --port {port}[/], "
            f"then open http://127.0.0.1:{port}/ and log in with one of the usernames above."
        )
        return
    console.print(f"Open [bold]http://127.0.0.1:{port}/[/] and log in with one of the usernames above.")
    run_server("127.0.0.1", port, DEFAULT_THREADS)


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
    spark_master: Annotated[
        str | None,
        typer.Option(
            help="Spark master for --backend pyspark, e.g. spark://HOST:7077 or local[2] "
            "(default: the workspace's engine.spark_master)."
        ),
    ] = None,
) -> None:
    """Speed and memory: the full library over a time series, one date alone, and the floor."""
    from gpqi.programmes.bench import MeasureFailed, bench  # the pipeline (Ibis): off the CLI's start-up path

    console = Console()
    try:
        report = bench(
            patients=patients,
            workspace=workspace,
            cache=cache,
            practices=practices,
            dates=dates,
            backend=backend,
            threads=threads,
            memory_limit=memory_limit,
            spark_master=spark_master,
            say=lambda text: console.print(text, highlight=False),
        )
    except MeasureFailed as failed:
        console.print(f"[red]{failed}[/]", highlight=False)
        raise typer.Exit(1) from None
    target = out or cache / f"bench-{report['patients_label']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = Table("measure", "wall (s)", "× floor", "peak memory (MB)", title="gpqi bench")
    floor_seconds = report["floor"]["seconds"]
    for name in ("floor", "one_date", "time_series"):
        part = report[name]
        table.add_row(
            part["label"],
            f"{part['seconds']:.2f}",
            f"{part['seconds'] / floor_seconds:.1f}",
            f"{part['peak_rss_mb']:.0f}",
        )
    console.print(table)
    console.print(
        f"{report['rows_processed']:,} snapshot rows; {report['indicators']} indicators; "
        f"1 date costs {report['ratio_one_date_to_floor']:.1f}x the floor, "
        f"{report['dates']} dates {report['ratio_series_to_floor']:.1f}x the floor "
        f"and {report['ratio_series_to_one_date']:.1f}x one date. Report: {target}"
    )


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command("bench")(bench_command)
