"""`gpqi pack --practice CODE | --network CODE | --programme --month YYYY-MM [-w WS] --out FILE.pdf`:
the monthly meeting pack for one audience. A practice's pack is what that practice's own staff
may see (its counts exact, peers disclosed); a network's, what its network lead may see; the
programme's is the disclosed view every member practice may see (nothing of any one practice
shown exact), since the programme meeting is open to all of them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gpqi.web.cli import open_app
from gpqi.workspace import DEFAULT_WORKSPACE


def pack_command(
    month: Annotated[str, typer.Option("--month", help="The month, YYYY-MM (its reporting date).")],
    out: Annotated[Path, typer.Option("--out", help="The PDF to write.")],
    practice: Annotated[str | None, typer.Option("--practice", help="A practice's code.")] = None,
    network: Annotated[str | None, typer.Option("--network", help="A network's code.")] = None,
    programme: Annotated[bool, typer.Option("--programme", help="The whole programme.")] = False,
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
) -> None:
    """Write the monthly meeting pack (A4 PDF) of a practice, a network or the programme."""
    console = Console(soft_wrap=True, stderr=True)
    if sum([practice is not None, network is not None, programme]) != 1:
        console.print("[red]error:[/] give exactly one of --practice CODE, --network CODE, --programme")
        raise typer.Exit(2)
    ws = open_app(workspace)
    # Django models load only once open_app has set Django up for this workspace.
    from gpqi.access import scope
    from gpqi.access.errors import AccessError
    from gpqi.access.focus import Focus
    from gpqi.access.results import NoResults
    from gpqi.reports.pack import pdf
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.web.packs.build import build_document
    from gpqi.web.permissions import governance

    started = time.perf_counter()
    try:
        sync_organisations(ws)
        gov = governance()
        if practice is not None:
            if practice not in gov.practices:
                raise AccessError(f"--practice {practice}: no such practice in the programme")
            access, focus = scope.scope_for(gov, scope.CLINICIAN, practice=practice), Focus.practice(practice)
        elif network is not None:
            if not any(p.network_code == network for p in gov.practices.values()):
                raise AccessError(f"--network {network}: no such network in the programme")
            access, focus = scope.scope_for(gov, scope.NETWORK_LEAD, network=network), Focus.network(network)
        else:
            access, focus = scope.outsider(gov), Focus("programme")
        doc = build_document(ws, access, focus, month)
        data = pdf(doc)
    except (AccessError, ValueError, NoResults) as exc:
        what = str(exc) or type(exc).__name__
        if not str(exc).startswith("--"):
            what = f"{'--practice ' + practice if practice else '--network ' + network if network else '--programme'}: {what} (an agreement in force is needed)"
        console.print(f"[red]error:[/] {what}", highlight=False)
        raise typer.Exit(2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    took = time.perf_counter() - started
    Console(soft_wrap=True).print(
        f"Wrote {out} ({len(data) / 1024:.0f} KB): {doc.figures.scope_label}, {doc.figures.month:%B %Y}, "
        f"{len(doc.figures.headline)} indicators, {len(doc.figures.gains)} charts, {len(doc.projects)} QI projects "
        f"in {took:.1f} s",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("pack")(pack_command)
