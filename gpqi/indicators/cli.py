"""`gpqi indicators new|list|show|check|docs`: a workspace's library and its definitions.

With `-w WS` the commands see the workspace's library (its chosen built-ins and its own
definitions in `WS/indicators/`); without it, the built-in library only. Every message that
quotes a definition or a file is printed without Rich markup, so brackets in it (a pattern such
as `^[a-z]*$`) reach the user intact. (`gpqi indicators preview` is the engine's: gpqi.engine.cli.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table

from gpqi.codelists.workspace import library
from gpqi.indicators.english import describe
from gpqi.indicators.loader import IndicatorError
from gpqi.indicators.workspace import (
    WorkspaceLibrary,
    check_file,
    definition_files,
    load_workspace_library,
    new_definition,
)
from gpqi.workspace import WorkspaceError, open_workspace

indicators_app = typer.Typer(
    help="The indicator library: write, check, show and preview definitions.", no_args_is_help=True
)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="The workspace folder (omit for the built-in library only)."),
]


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _library(workspace: Path | None, strict: bool = False) -> WorkspaceLibrary:
    if workspace is None:
        return load_workspace_library(None)
    try:
        ws = open_workspace(workspace)
        return load_workspace_library(ws.root, ws.config.indicators, strict=strict)
    except (WorkspaceError, IndicatorError) as exc:
        raise _fail(str(exc)) from None


@indicators_app.command("list")
def list_indicators(
    domain: Annotated[str | None, typer.Option(help="Only this domain (e.g. diabetes, operational).")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """List the indicators: where each comes from, whether the programme runs it, its version."""
    lib = _library(workspace)
    table = Table("id", "title", "domain", "from", "runs", "target", "version")
    for entry in lib.entries.values():
        ind = entry.indicator
        if domain and ind.domain != domain:
            continue
        target = f"{ind.target.value:.0%}" if ind.target else ""
        table.add_row(ind.id, escape(ind.title), ind.domain, entry.origin_label, "yes" if entry.selected else "no",
                      target, ind.version)  # fmt: skip
    console = Console()
    console.print(table)
    for problem in lib.problems:
        console.print(f"[red]✗[/] {escape(str(problem))} (not listed)", highlight=False)


@indicators_app.command("show")
def show(indicator_id: str, workspace: WorkspaceOption = None) -> None:
    """Show one indicator: metadata, provenance, the definition in plain English, and its YAML."""
    lib = _library(workspace)
    try:
        entry = lib.entry(indicator_id)
    except IndicatorError as exc:
        raise typer.BadParameter(str(exc)) from exc
    ind = entry.indicator
    console = Console(highlight=False)
    console.print(f"[bold]{escape(ind.title)}[/]  ({ind.id}, version {ind.version}, {entry.origin_label})")
    console.print(f"domain {ind.domain} · kind {ind.kind} · unit {ind.unit} · "
                  f"{'higher' if ind.higher_is_better else 'lower'} is better")  # fmt: skip
    console.print(f"reference: {escape(ind.reference)}")
    if ind.target:
        console.print(f"target: {ind.target.value:.0%} ({escape(ind.target.source)})")
    console.print(f"authored by {escape(ind.authored_by)}; checked by {escape(ind.checked_by or '-')}; "
                  f"reviewed {ind.reviewed or '-'}; next review {ind.next_review or '-'}")  # fmt: skip
    console.print(f"file: {entry.path}\n")
    console.print(escape(ind.description))
    if ind.notes:
        console.print(f"\n[italic]{escape(ind.notes)}[/]")
    english = describe(ind, lib.codelists.load)
    console.print("\n[bold]In plain English[/]")
    console.print(f"Denominator: {escape(english.denominator)}")
    console.print(f"Numerator: {escape(english.numerator)}")
    if ind.codelist_slugs():
        console.print("\n[bold]Codelists[/]")
        for slug in ind.codelist_slugs():
            codelist = lib.codelists.load(slug)
            p = lib.codelists.provenance(slug)
            where = f"workspace, added by {p.added_by} {p.added_at[:10]}" if p else "bundled"
            console.print(f"  {slug}: {escape(codelist.title)} ({len(codelist)} codes; {escape(where)}; "
                          f"{escape(codelist.source or '-')})")  # fmt: skip
    text = entry.path.read_text(encoding="utf-8")
    body = text[text.index("denominator:") :] if "denominator:" in text else text
    console.print(Syntax(body, "yaml"))


@indicators_app.command("check")
def check(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Definition YAML files (default: all of the workspace's).")
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Validate definitions: every error with its file, line and field, every file. Exit 1 if any."""
    console = Console(soft_wrap=True, highlight=False)  # keep "file: line N, field" on one line
    root = None
    config = None
    if workspace is not None:
        try:
            ws = open_workspace(workspace)
        except WorkspaceError as exc:
            raise _fail(str(exc)) from None
        root, config = ws.root, ws.config
    elif not files:
        raise _fail("give definition files, or --workspace to check a workspace's own definitions")
    codelists = library(root)
    paths = files or definition_files(root)  # type: ignore[arg-type]
    bad = 0
    for path in paths:
        indicator, problems = check_file(path, codelists)
        if indicator is None:
            bad += 1
            for problem in problems:
                console.print(f"[red]✗[/] {escape(str(problem))}")
            continue
        console.print(f"[green]✓[/] {escape(str(path))}: {indicator.id} (version {indicator.version}, "
                      f"codelists: {', '.join(indicator.codelist_slugs()) or '-'})")  # fmt: skip
    if root is not None and not files:
        selection = load_workspace_library(root, config.indicators, strict=False)  # type: ignore[union-attr]
        for problem in selection.problems:
            if problem.source.endswith("gpqi.toml"):
                bad += 1
                console.print(f"[red]✗[/] {escape(str(problem))}")
        if not paths:
            console.print(
                f"No definitions in {root / 'indicators'} yet; start one with `gpqi indicators new ID`."
            )
    if bad:
        console.print(f"{bad} file(s) with problems; nothing is run until they are fixed.")
        raise typer.Exit(1)


@indicators_app.command("new")
def new(
    indicator_id: str,
    like: Annotated[
        str | None, typer.Option(help="Start from this indicator's definition (e.g. dm-bp).")
    ] = None,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="The workspace folder.")] = Path(
        "gpqi-workspace"
    ),
) -> None:
    """Write a starting definition to WS/indicators/ID.yaml (a copy of --like, or a template)."""
    lib = _library(workspace)
    try:
        source = lib.entry(like) if like else None
        path = new_definition(lib.root, indicator_id, source.indicator if source else None,  # type: ignore[arg-type]
                              source.path if source else None)  # fmt: skip
    except IndicatorError as exc:
        raise _fail(str(exc), 1) from None
    console = Console(highlight=False)
    note = " (it overrides the built-in of that id)" if indicator_id in lib.entries and lib.entries[
        indicator_id].origin == "built-in" else ""  # fmt: skip
    console.print(f"wrote {escape(str(path))}{note}")
    console.print(
        f"Edit it, then: gpqi indicators check -w {workspace}; gpqi indicators preview {indicator_id} -w {workspace}"
    )


@indicators_app.command("docs")
def docs(
    out: Annotated[Path, typer.Option(help="Where to write the page.")] = Path("docs/indicators.md"),
) -> None:
    """Regenerate docs/indicators.md from the library definitions."""
    from gpqi.indicators.docs import render

    out.write_text(render(), encoding="utf-8")
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(indicators_app, name="indicators")
