"""`gpqi alerts [--month YYYY-MM] [--send] [--out DIR] [-w WS]`: the monthly alerts digest, one
email per subscribed user with an address and at least one alert (for all their practices: a
network lead's or facilitator's in one email). Without --send the messages are written to --out
for review. Run it monthly after the results are published (docs/alerts.md has a cron line)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gpqi.web.cli import open_app
from gpqi.workspace import DEFAULT_WORKSPACE


def alerts_command(
    month: Annotated[
        str | None, typer.Option("--month", help="YYYY-MM; default: the latest month with results.")
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Send over SMTP (EMAIL_* settings).")] = False,
    out: Annotated[Path, typer.Option("--out", help="Where review copies go (.eml, .html, .txt).")] = Path(
        "alerts"
    ),
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
) -> None:
    """Build each subscriber's digest of this month's indicator changes; write it, or --send it."""
    console = Console(soft_wrap=True)
    ws = open_app(workspace)
    # Django models load only once open_app has set Django up for this workspace.
    from django.conf import settings

    from gpqi.access.results import NoResults
    from gpqi.reports import alerts as layout
    from gpqi.web.alerts.digest import digest_for
    from gpqi.web.alerts.models import Subscription

    subs = list(Subscription.objects.filter(active=True, user__is_active=True).select_related("user"))
    digests, skipped = [], []
    try:
        for sub in sorted(subs, key=lambda s: s.user.get_username()):
            if not sub.user.email:
                skipped.append(f"{sub.user.get_username()} (no email address)")
                continue
            d = digest_for(ws, sub, month)
            if d.count:
                digests.append(d)
            else:
                skipped.append(f"{sub.user.get_username()} (no changes)")
    except (ValueError, NoResults) as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    for line in skipped:
        console.print(f"No digest for {line}", highlight=False)
    from_email = settings.DEFAULT_FROM_EMAIL
    if not send:
        paths = layout.write(digests, out, from_email)
        console.print(f"Wrote {len(paths)} digest(s) for review to {out} (add --send to send them)")
        return
    try:
        sent = layout.send(digests, from_email)
    except OSError as exc:  # smtplib's errors are OSErrors
        console.print(
            f"[red]error:[/] sending failed ({type(exc).__name__}: {exc}); check the [email] settings "
            f"(host {settings.EMAIL_HOST}, port {settings.EMAIL_PORT})",
            highlight=False,
        )
        raise typer.Exit(1) from None
    console.print(
        f"Sent {sent} digest(s) via {settings.EMAIL_HOST}:{settings.EMAIL_PORT}: "
        + ", ".join(d.to for d in digests),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("alerts")(alerts_command)
