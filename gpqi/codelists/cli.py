"""`gpqi codelists list|show`: browse the bundled codelists."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from gpqi.codelists import CodelistError, load, registry

codelists_app = typer.Typer(help="Browse the bundled codelists.", no_args_is_help=True)


@codelists_app.command("list")
def list_codelists() -> None:
    """List bundled codelists with their size and source."""
    table = Table("slug", "title", "system", "codes")
    for slug, entry in sorted(registry().items()):
        table.add_row(slug, entry["title"], entry["system"], str(entry["codes"]))
    Console().print(table)


@codelists_app.command("show")
def show(slug: str) -> None:
    """Show one codelist's codes and terms."""
    try:
        codelist = load(slug)
    except CodelistError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console = Console()
    console.print(
        f"[bold]{codelist.title}[/] ({codelist.system}, {len(codelist)} codes)\nsource: {codelist.source}"
    )
    table = Table("code", "term")
    for code in codelist.codes:
        table.add_row(code, codelist.terms.get(code, ""))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(codelists_app, name="codelists")
