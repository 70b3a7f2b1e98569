"""`gpqi indicators list|show|check|docs`: browse the library and validate definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

indicators_app = typer.Typer(help="Browse the indicator library and check definitions.", no_args_is_help=True)


@indicators_app.command("list")
def list_indicators(
    domain: Annotated[str | None, typer.Option(help="Only this domain (e.g. diabetes, operational).")] = None,
) -> None:
    """List the built-in indicators with their domain, unit, target and version."""
    from gpqi.indicators import load_library

    table = Table("id", "title", "domain", "kind", "unit", "target", "version")
    for ind in load_library():
        if domain and ind.domain != domain:
            continue
        target = f"{ind.target.value:.0%}" if ind.target else ""
        table.add_row(ind.id, ind.title, ind.domain, ind.kind, ind.unit, target, ind.version)
    Console().print(table)


@indicators_app.command("show")
def show(indicator_id: str) -> None:
    """Show one indicator: metadata, provenance and the definition."""
    from gpqi.indicators import IndicatorError, get
    from gpqi.indicators.loader import _library_dir

    try:
        ind = get(indicator_id)
    except IndicatorError as exc:
        raise typer.BadParameter(str(exc)) from exc
    console = Console()
    console.print(f"[bold]{ind.title}[/]  ({ind.id}, version {ind.version})")
    console.print(f"domain {ind.domain} · kind {ind.kind} · unit {ind.unit} · "
                  f"{'higher' if ind.higher_is_better else 'lower'} is better")  # fmt: skip
    console.print(f"reference: {ind.reference}")
    if ind.target:
        console.print(f"target: {ind.target.value:.0%} ({ind.target.source})")
    console.print(f"authored by {ind.authored_by}; checked by {ind.checked_by or '-'}; "
                  f"reviewed {ind.reviewed or '-'}; next review {ind.next_review or '-'}")  # fmt: skip
    console.print(f"codelists: {', '.join(ind.codelist_slugs()) or '-'}\n")
    console.print(ind.description)
    if ind.notes:
        console.print(f"\n[italic]{ind.notes}[/]")
    text = (_library_dir() / f"{ind.id}.yaml").read_text(encoding="utf-8")
    body = text[text.index("denominator:") :] if "denominator:" in text else text
    console.print(Syntax(body, "yaml"))


@indicators_app.command("check")
def check(files: Annotated[list[Path], typer.Argument(help="Definition YAML files to validate.")]) -> None:
    """Validate definitions; errors name the file, line and field. Exit 1 if any is invalid."""
    from gpqi.indicators import IndicatorError, load_file

    console = Console(soft_wrap=True)  # keep "file: line N, field" on one line
    bad = 0
    for path in files:
        try:
            ind = load_file(path)
        except IndicatorError as exc:
            bad += 1
            console.print(f"[red]✗[/] {exc}", highlight=False)
            continue
        console.print(f"[green]✓[/] {path}: {ind.id} (version {ind.version}, codelists: "
                      f"{', '.join(ind.codelist_slugs()) or '-'})", highlight=False)  # fmt: skip
    if bad:
        raise typer.Exit(1)


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
