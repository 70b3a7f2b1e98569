"""`gpqi newsletter --campaign ID [--send] [--to EMAIL ...] [--out DIR]`: the weekly campaign
newsletter, one copy per recipient, each built from the progress gpqi.access works out for that
user (gpqi.reports.newsletter lays it out); without --send the messages are written to --out for
review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gpqi.web.cli import open_app
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
    console = Console(soft_wrap=True)
    ws = open_app(workspace)
    # Django models load only once open_app has set Django up for this workspace.
    from django.conf import settings

    from gpqi.access.campaigns import NoSeries, progress_for
    from gpqi.reports import newsletter
    from gpqi.web.campaigns.models import Campaign
    from gpqi.web.permissions import build_access

    chosen = Campaign.objects.filter(pk=campaign).first()
    if chosen is None:
        console.print(f"[red]error:[/] no campaign {campaign}; see `gpqi campaign list`", highlight=False)
        raise typer.Exit(2)
    try:
        users = recipients(chosen, to)
        spec = chosen.spec()
        letters = []
        for user in users:
            access = build_access(user)
            try:
                progress = progress_for(spec, access, ws)
            except NoSeries as exc:
                raise newsletter.NewsletterError(f"campaign {chosen.pk} ({chosen.name}): {exc}") from None
            recipient = newsletter.Recipient(user.get_username(), user.email, access.is_central)
            letters.append(newsletter.build(spec, chosen.tip, progress, recipient, ws.config.workspace.name))
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


def recipients(campaign, to: list[str] | None = None) -> list:  # noqa: ANN001
    """The campaign's recipients, or (with `to`) the app users with those addresses: a copy is
    always built for a known user's access, so an unknown address gets nothing."""
    from django.contrib.auth.models import User  # after open_app has set Django up

    from gpqi.reports import newsletter

    if not to:
        users = list(campaign.recipients.filter(is_active=True).order_by("username"))
        if not users:
            raise newsletter.NewsletterError(
                f"campaign {campaign.pk} has no recipients: add them in the admin pages or the campaign file"
            )
        return users
    users = []
    for address in to:
        matches = list(User.objects.filter(email__iexact=address, is_active=True))
        if len(matches) != 1:
            why = "no active user" if not matches else "more than one user"
            raise newsletter.NewsletterError(
                f"--to {address}: {why} has this address; newsletters go to app users only"
            )
        users.append(matches[0])
    return users
