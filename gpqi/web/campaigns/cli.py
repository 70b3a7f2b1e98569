"""`gpqi campaign list|status|create`: set up campaigns and follow them from the terminal (the
central team's view: every practice with an agreement in force, named, exact counts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from gpqi.web.campaigns.newsletters import newsletter_command
from gpqi.web.cli import open_app
from gpqi.workspace import DEFAULT_WORKSPACE

campaign_app = typer.Typer(
    help="Campaigns: weekly tracking of an indicator against a target.", no_args_is_help=True
)
WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="The workspace folder.")]

BEHIND_LISTED = 20  # practices named on the terminal; --json holds every one


@campaign_app.command("list")
def list_command(workspace: WorkspaceOpt = DEFAULT_WORKSPACE) -> None:
    """Every campaign: id, name, indicator, series, dates, target and status."""
    open_app(workspace)
    from gpqi.web.campaigns.models import Campaign

    table = Table("id", "name", "indicator", "series", "start", "end", "target", "status", title="Campaigns")
    for c in Campaign.objects.order_by("pk"):
        table.add_row(
            str(c.pk), c.name, c.indicator_id, c.series, str(c.start), str(c.end), f"{c.target:.0%}", c.status
        )
    Console(soft_wrap=True).print(table)


def _status_data(campaign, ws) -> dict:  # noqa: ANN001
    from gpqi.access import scope
    from gpqi.access.campaigns import NoSeries, progress_for
    from gpqi.web.permissions import governance

    out = {
        "id": campaign.pk,
        "name": campaign.name,
        "indicator": campaign.indicator_id,
        "series": campaign.series,
        "status": campaign.status,
        "target": campaign.target,
        "reach_by": campaign.reach_by.isoformat(),
    }
    try:
        p = progress_for(campaign.spec(), scope.central(governance()), ws)
    except NoSeries as exc:
        out["error"] = str(exc)
        return out
    out["weeks"] = [
        {
            "week": w.date.isoformat(),
            "numerator": w.numerator,
            "denominator": w.denominator,
            "uptake": w.value,
            "trajectory": round(w.expected, 6),
            "practices_behind": w.behind,
        }
        for w in p.programme
    ]
    out["practices"] = len(p.practices)
    out["behind_count"] = p.behind_count
    out["behind"] = [
        {"practice": s.code, "name": s.label, "uptake": s.value, "trajectory": round(s.expected, 6)}
        for s in p.behind
    ]
    return out


@campaign_app.command("status")
def status_command(
    campaign_id: Annotated[
        int | None, typer.Argument(help="The campaign's id (see `gpqi campaign list`).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every active campaign.")] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Week by week: programme uptake against the trajectory, and the practices behind."""
    console = Console(soft_wrap=True)
    if (campaign_id is None) == (not all_):
        console.print("[red]error:[/] give a campaign id or --all", highlight=False)
        raise typer.Exit(2)
    ws = open_app(workspace)
    from gpqi.web.campaigns.models import Campaign

    if all_:
        campaigns = list(Campaign.objects.filter(status=Campaign.ACTIVE).order_by("pk"))
    else:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            console.print(
                f"[red]error:[/] no campaign {campaign_id}; see `gpqi campaign list`", highlight=False
            )
            raise typer.Exit(2)
        campaigns = [campaign]
    data = [_status_data(c, ws) for c in campaigns]
    if as_json:
        typer.echo(json.dumps(data if all_ else data[0], indent=2))
        return
    for item in data:
        if "error" in item:
            console.print(f"[bold]{item['name']}[/]: {item['error']}", highlight=False)
            continue
        table = Table(
            "week ending",
            "vaccinated",
            "eligible",
            "uptake",
            "trajectory",
            "practices behind",
            title=f"{item['name']} (target {item['target']:.0%} by {item['reach_by']})",
        )
        for w in item["weeks"]:
            uptake = "–" if w["uptake"] is None else f"{w['uptake']:.1%}"
            table.add_row(
                w["week"],
                f"{w['numerator']:,.0f}",
                f"{w['denominator']:,.0f}",
                uptake,
                f"{w['trajectory']:.1%}",
                f"{w['practices_behind']} of {item['practices']}",
            )
        console.print(table)
        if item["behind"]:
            behind = item["behind"]
            names = ", ".join(f"{b['name']} ({b['uptake']:.1%})" for b in behind[:BEHIND_LISTED])
            more = (
                f", and {len(behind) - BEHIND_LISTED:,} more (--json lists all)"
                if len(behind) > BEHIND_LISTED
                else ""
            )
            console.print(f"Behind the trajectory in the last week: {names}{more}", highlight=False)


@campaign_app.command("create")
def create_command(
    file: Annotated[Path, typer.Argument(help="A campaign YAML file (see docs/campaigns.md).")],
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
) -> None:
    """Create a campaign from a YAML file, validated field by field."""
    from gpqi.web.campaigns.spec import SpecError, create, load

    console = Console(soft_wrap=True)
    try:
        spec = load(file)
    except SpecError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    open_app(workspace)
    try:
        campaign = create(spec, where=str(file))
    except SpecError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"Created campaign {campaign.pk}: {campaign.name} ({campaign.status})", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(campaign_app, name="campaign")
    app.command("newsletter")(newsletter_command)
