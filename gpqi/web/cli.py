"""`gpqi serve`, `gpqi demo` and `gpqi assets`: the dashboard's commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()

WorkspaceOpt = typer.Option(Path("gpqi-workspace"), "--workspace", "-w", help="Workspace folder.")


def _prepare(workspace: Path) -> None:
    """Configure Django for the workspace, create/upgrade the app database, sync practices and
    build the results cache so the first page is fast."""
    import gpqi.web

    gpqi.web.setup(workspace.resolve())
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.web.results import NoResults, store_for
    from gpqi.web.ws import workspace as current
    from gpqi.workspace import WorkspaceError

    ws = current()
    try:
        report = sync_organisations(ws)
        console.print(
            f"{report.practices_total} practices in the app database ({report.practices_added} new)"
        )
    except WorkspaceError as exc:
        console.print(f"[yellow]{exc}[/]")
    try:
        with console.status("Preparing the results cache"):
            store_for(ws).build_cache()
    except NoResults as exc:
        console.print(f"[yellow]{exc}[/]")


def _serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from gpqi.web.wsgi import application

    console.print(f"Serving on [bold]http://{host}:{port}/[/] (Ctrl+C to stop)")
    waitress_serve(application, host=host, port=port, threads=threads, ident="gpqi")


def serve(
    workspace: Path = WorkspaceOpt,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    threads: int = typer.Option(8, help="Worker threads."),
) -> None:
    """Serve the dashboard for a workspace with a production WSGI server (waitress)."""
    from gpqi.workspace import WorkspaceError, open_workspace

    try:
        open_workspace(workspace)
    except WorkspaceError as exc:
        raise typer.BadParameter(str(exc), param_hint="--workspace") from exc
    _prepare(workspace)
    _serve(host, port, threads)


def demo(
    workspace: Path = WorkspaceOpt,
    port: int = typer.Option(8000, help="Port to listen on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Build the demo and exit."),
) -> None:
    """Build the demo programme (if missing), create one user per role, and serve it."""
    from gpqi.web.demo import DEMO_PASSWORD, build_data, setup_governance

    build_data(workspace, lambda msg: console.print(msg))
    _prepare(workspace)
    logins = setup_governance(__import__("gpqi.web.ws", fromlist=["workspace"]).workspace())
    table = Table("username", "role", "sees", title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    for login in logins:
        table.add_row(login.username, login.role, login.scope)
    console.print(table)
    console.print(f"Open [bold]http://127.0.0.1:{port}/[/] and log in with one of the usernames above.")
    if not no_serve:
        _serve("127.0.0.1", port, 8)


def assets() -> None:
    """Copy the front-end packages from node_modules into the web app's static folder."""
    from gpqi.web.assets import AssetsError, build

    try:
        written = build()
    except AssetsError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"{len(written)} front-end files copied into gpqi/web/static/vendor")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(demo)
    app.command()(assets)
