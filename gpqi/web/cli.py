"""`gpqi serve` and `gpqi assets`: the dashboard's commands (`gpqi demo` is gpqi.programmes')."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import typer
from rich.console import Console

console = Console()

WorkspaceOpt = typer.Option(Path("gpqi-workspace"), "--workspace", "-w", help="Workspace folder.")


# waitress threads per server process. Page work is Python on one core per process, so threads
# beyond a few only make requests share that core: with 2 processes on 2 cores and 20 users with
# no pause, 8 threads gave the indicator page 566-713 ms at p95 and 4 threads 379-401 ms
# (docs/performance.md); a few still let one request wait on a file while another computes.
DEFAULT_THREADS = 4


def open_app(workspace: Path):  # noqa: ANN201 - a Workspace
    """Configure Django for the workspace and bring its app database up to date."""
    import gpqi.web
    from gpqi.workspace import WorkspaceError, open_workspace

    try:
        ws = open_workspace(workspace)
    except WorkspaceError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    gpqi.web.setup(ws.root.resolve())
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return ws


def prepare(workspace: Path) -> None:
    """Configure Django for the workspace, create/upgrade the app database, sync practices and
    build the results cache so the first page is fast."""
    import gpqi.web

    gpqi.web.setup(workspace.resolve())
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from gpqi.access.results import NoResults, store_for
    from gpqi.web.governance.sync import sync_organisations
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


def proxy_options(trusted_proxy: str | None) -> dict[str, object]:
    """waitress settings for a TLS proxy at `trusted_proxy`: the client's address, the scheme and
    the host come from that proxy's X-Forwarded-* headers; anyone else's are dropped."""
    if not trusted_proxy:
        return {}
    return {
        "trusted_proxy": trusted_proxy,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        "clear_untrusted_proxy_headers": True,
    }


def run_server(
    host: str, port: int, threads: int, workers: int = 1, trusted_proxy: str | None = None
) -> None:
    from waitress import serve as waitress_serve

    from gpqi.web.wsgi import application

    options = proxy_options(trusted_proxy)
    behind = f", HTTPS through the proxy at {trusted_proxy}" if trusted_proxy else ""
    console.print(f"Serving on [bold]http://{host}:{port}/[/]{behind} (Ctrl+C to stop)")
    if workers <= 1:
        _warm_in_background()
        waitress_serve(application, host=host, port=port, threads=threads, ident="gpqi", **options)
        return
    _serve_processes(application, host, port, threads, workers, options)


def _warm_in_background() -> None:
    """Build this process's programme-wide memos (every indicator at the latest date and the
    default comparison date) in a background thread while it serves, so the first users of an
    indicator do not wait."""
    import os
    import threading

    def run() -> None:
        import time

        from django.db import connections

        from gpqi.access import scope
        from gpqi.access.figures import warm
        from gpqi.access.results import NoResults, store_for
        from gpqi.web.catalogue import catalogue
        from gpqi.web.permissions import governance
        from gpqi.web.ws import workspace as current

        try:
            ws = current()
            started = time.perf_counter()
            store = store_for(ws)
            gov = governance()
            try:
                n = warm(ws, store, scope.outsider(gov), scope.central(gov), catalogue(store.indicator_ids()))
            finally:
                connections.close_all()  # this thread's own database connection
            console.print(
                f"Process {os.getpid()}: {n} indicators ready in {time.perf_counter() - started:.0f} s"
            )
        except (NoResults, OSError) as exc:  # nothing to warm; pages say so themselves
            console.print(f"[yellow]Not warmed: {exc}[/]")

    threading.Thread(target=run, name="gpqi-warm", daemon=True).start()


def _serve_processes(  # noqa: ANN001
    application, host: str, port: int, threads: int, workers: int, options: dict[str, object]
) -> None:
    """Pre-fork: one listening socket, `workers` waitress processes accepting on it (the kernel
    hands each connection to one of them), so pages render on every core instead of one (the
    GIL). Each process keeps its own results cache connection and memos. Linux/macOS only."""
    import os
    import signal
    import socket

    from django.db import connections
    from waitress import serve as waitress_serve

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    connections.close_all()  # no database connection may be shared across the fork
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve until killed
            try:
                _warm_in_background()
                waitress_serve(application, sockets=[sock], threads=threads, ident="gpqi", **options)
            finally:
                os._exit(0)
        children.append(pid)
    console.print(f"{workers} server processes: {', '.join(map(str, children))}")

    def stop(_signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    sock.close()


def serve(
    workspace: Path = WorkspaceOpt,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    threads: int = typer.Option(
        DEFAULT_THREADS,
        help="Worker threads (per process). Pages are Python work on one core per process: more "
        "threads let more requests share that core, so each waits longer (docs/performance.md).",
    ),
    workers: int = typer.Option(
        1,
        help="Server processes sharing the port (pre-fork, Linux/macOS). Python renders a page on one "
        "core per process: set this to the number of cores for many concurrent users.",
    ),
    trusted_proxy: str = typer.Option(
        None,
        "--trusted-proxy",
        metavar="ADDRESS",
        help="The address of the TLS proxy in front (e.g. 127.0.0.1): trust its X-Forwarded-For/-Proto/-Host, "
        "send Secure cookies and HSTS, redirect plain HTTP to HTTPS (docs/security.md).",
    ),
) -> None:
    """Serve the dashboard for a workspace with a production WSGI server (waitress; with
    --workers N, N waitress processes on one listening socket)."""
    from gpqi.workspace import WorkspaceError, open_workspace

    try:
        open_workspace(workspace)
    except WorkspaceError as exc:
        raise typer.BadParameter(str(exc), param_hint="--workspace") from exc
    if workers < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--workers")
    if trusted_proxy:
        os.environ["GPQI_TRUSTED_PROXY"] = trusted_proxy  # read by the settings, so before setup
    prepare(workspace)
    run_server(host, port, threads, workers, trusted_proxy)


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
    app.command()(assets)
