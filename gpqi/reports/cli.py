"""`gpqi newsletter --campaign ID [--send] [--to EMAIL ...] [--out DIR]`: the weekly campaign
newsletter, one copy per recipient; without --send the messages are written to --out for review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gpqi.workspace import DEFAULT_WORKSPACE


def newsletter_command(
    campaign: Annotated[int, typer.Option("--campaign", help="The campaign's id (gpqi campaign list).")],
    send: Annotated[bool, typer.Option("--send", help="Send over SMTP (EMAIL_* settings).")] = False,
    to: Annotated[
        list[str] | None,
        typer.Option(
            "--to", help="Only these app users' addresses (repeatable); default: the campaign's recipients."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where review copies go (.eml, .html, .txt).")] = Path(
        "newsletter"
    ),
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="The workspace folder.")
    ] = DEFAULT_WORKSPACE,
) -> None:
    """Render the weekly newsletter for each recipient; write it for review, or --send it."""
    from gpqi.web.campaigns.cli import open_app

    console = Console(soft_wrap=True)
    ws = open_app(workspace)
    from django.conf import settings

    from gpqi.reports import newsletter
    from gpqi.web.campaigns.models import Campaign

    chosen = Campaign.objects.filter(pk=campaign).first()
    if chosen is None:
        console.print(f"[red]error:[/] no campaign {campaign}; see `gpqi campaign list`", highlight=False)
        raise typer.Exit(2)
    try:
        users = newsletter.recipients(chosen, to)
        letters = [newsletter.build(chosen, user, ws) for user in users]
    except newsletter.NewsletterError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        raise typer.Exit(2) from None
    from_email = settings.DEFAULT_FROM_EMAIL
    if not send:
        paths = newsletter.write(letters, out, from_email)
        console.print(f"Wrote {len(paths)} newsletter(s) for review to {out} (add --send to send them)")
        return
    try:
        sent = newsletter.send(letters, from_email)
    except OSError as exc:  # SMTP errors are OSErrors (smtplib.SMTPException included)
        console.print(
            f"[red]error:[/] sending failed ({type(exc).__name__}: {exc}); check the [email] settings "
            f"(host {settings.EMAIL_HOST}, port {settings.EMAIL_PORT})",
            highlight=False,
        )
        raise typer.Exit(1) from None
    console.print(
        f"Sent {sent} newsletter(s) via {settings.EMAIL_HOST}:{settings.EMAIL_PORT}: "
        + ", ".join(letter.to for letter in letters),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("newsletter")(newsletter_command)
