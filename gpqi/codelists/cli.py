"""`gpqi codelists add|list|show`: a workspace's own codelists beside the bundled ones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from gpqi.codelists import CodelistError, registry
from gpqi.codelists.workspace import SYSTEMS, add, library

codelists_app = typer.Typer(help="Bundled and workspace codelists.", no_args_is_help=True)

WorkspaceOption = Annotated[
    Path | None,
    typer.Option("--workspace", "-w", help="The workspace folder (omit to see only the bundled lists)."),
]


DEFAULT_WORKSPACE = Path("gpqi-workspace")  # as gpqi.workspace (this layer does not import it)


def _root(workspace: Path | None, required: bool = False) -> Path | None:
    if workspace is None and not required:
        return None
    root = workspace or DEFAULT_WORKSPACE
    if not (root / "gpqi.toml").is_file():
        Console(stderr=True).print(
            f"[red]error:[/] {escape(str(root))}: not a gpqi workspace (no gpqi.toml)", highlight=False
        )
        raise typer.Exit(2)
    return root


@codelists_app.command("add")
def add_command(
    file: Annotated[Path, typer.Argument(help="An OpenCodelists CSV download.")],
    slug: Annotated[str, typer.Option(help="The name indicators use for it, e.g. pulse-check.")],
    system: Annotated[str, typer.Option(help=f"The code system: {' or '.join(SYSTEMS)}.")],
    source: Annotated[str, typer.Option(help="Where it came from (the OpenCodelists URL).")] = "",
    title: Annotated[str, typer.Option(help="A readable title.")] = "",
    version: Annotated[
        str, typer.Option(help="The codelist version (default: from an OpenCodelists URL).")
    ] = "",
    downloaded: Annotated[str, typer.Option(help="The download date (default: today).")] = "",
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
) -> None:
    """Copy an OpenCodelists CSV into the workspace with its provenance; refuse mangled codes."""
    root = _root(workspace, required=True)
    console = Console(soft_wrap=True, highlight=False)
    try:
        result = add(
            root,  # type: ignore[arg-type]
            file,
            slug=slug,
            system=system,
            source=source,
            title=title,
            version=version,
            downloaded=downloaded,
        )
    except CodelistError as exc:
        console.print(f"[red]refused:[/] {escape(str(exc))}\nNothing in the workspace was changed.")
        raise typer.Exit(1) from None
    p = result.provenance
    console.print(
        f"[green]added[/] {escape(p.slug)}: {p.codes} codes ({p.system}) from {escape(p.original_file)}\n"
        f"  title {escape(p.title)}; source {escape(p.source or '-')}; version {escape(p.version or '-')}; "
        f"downloaded {p.downloaded}; added by {escape(p.added_by)} at {p.added_at}"
    )
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}")


@codelists_app.command("list")
def list_codelists(workspace: WorkspaceOption = None) -> None:
    """List bundled codelists, and the workspace's own with -w, with size and source."""
    lib = library(_root(workspace))
    table = Table("slug", "title", "system", "codes", "from", "source")
    for slug, entry in sorted(registry().items()):
        table.add_row(slug, escape(entry["title"]), entry["system"], str(entry["codes"]), "bundled",
                      escape(entry.get("opencodelists", "") or ""))  # fmt: skip
    for slug, p in lib.workspace_entries().items():
        table.add_row(
            slug, escape(p.title), p.system, str(p.codes), "workspace", escape(p.source or p.original_file)
        )
    Console().print(table)


@codelists_app.command("show")
def show(slug: str, workspace: WorkspaceOption = None) -> None:
    """Show one codelist's provenance, codes and terms."""
    lib = library(_root(workspace))
    try:
        codelist = lib.load(slug)
    except CodelistError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console = Console(highlight=False)
    console.print(f"[bold]{escape(codelist.title)}[/] ({codelist.system}, {len(codelist)} codes)")
    p = lib.provenance(slug)
    if p is None:
        console.print(f"bundled; source: {escape(codelist.source)}")
    else:
        console.print(
            f"workspace; source: {escape(p.source or '-')}; version {escape(p.version or '-')}; "
            f"downloaded {p.downloaded}; added by {escape(p.added_by)} at {p.added_at}; "
            f"file {escape(p.original_file)} (sha256 {p.sha256[:12]})"
        )
    table = Table("code", "term")
    for code in codelist.codes:
        table.add_row(code, escape(codelist.terms.get(code, "")))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(codelists_app, name="codelists")
