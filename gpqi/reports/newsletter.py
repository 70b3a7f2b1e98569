"""The weekly campaign newsletter: for each recipient, an HTML email with the campaign chart as an
inline PNG (a CID part, rendered on the server by vl-convert from the same spec as the page) and a
plain-text part: programme progress, top performers, the network lead's tip and the recipient's
own practice position.

Each recipient's copy is built from the `CampaignProgress` that gpqi.access works out for *their*
`Access` (the caller, `gpqi newsletter` in gpqi.web.campaigns.cli, builds it for each user), so it
holds exactly what their campaign page would: practices without an agreement in force are left
out, others are named only where the recipient may see the name (their own practices, or peers
that permit identifiable comparison) and otherwise appear by pseudonym, and other practices'
counts are disclosed. The newsletter holds counts only, never patient-level data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.mime.image import MIMEImage
from pathlib import Path
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gpqi.access.campaigns import CampaignProgress, CampaignSpec, position_line
from gpqi.access.ranking import competition_ranks
from gpqi.charts import render
from gpqi.reports.campaign import chart_spec

TOP = 5  # top performers listed (more when practices tie for the last place)
STALE_AFTER_DAYS = 7  # a newsletter whose latest week ended longer ago than this says so
# Top performers need at least this many eligible people (as shown): with fewer, rounding to 5
# alone can turn 18 of 21 into "100%", and one person moves the rate by several points.
TOP_MIN_ELIGIBLE = 50
CHART_CID = "campaign-chart"
TEMPLATES = Path(__file__).parent / "templates"


class NewsletterError(RuntimeError):
    """A newsletter cannot be built (no recipients, unknown address, no weekly results)."""


@dataclass
class Newsletter:
    username: str
    to: str
    subject: str
    text: str
    html: str
    images: dict[str, bytes] = field(default_factory=dict)  # content id -> PNG

    def message(self, from_email: str | None = None, connection: Any = None):  # noqa: ANN201
        """A Django EmailMultiAlternatives: text part, HTML part, PNGs as inline related parts."""
        msg = EmailMultiAlternatives(
            self.subject, self.text, from_email=from_email, to=[self.to], connection=connection
        )
        msg.attach_alternative(self.html, "text/html")
        msg.mixed_subtype = "related"
        for cid, data in self.images.items():
            image = MIMEImage(data, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            msg.attach(image)
        return msg


def _env(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.jinja",), default=False) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda v, d=1: "–" if v is None else f"{v * 100:.{d}f}%"
    env.filters["num"] = lambda v: "–" if v is None else f"{v:,.0f}"
    return env


@dataclass(frozen=True)
class Recipient:
    username: str
    email: str
    central: bool  # the central team: no own practices highlighted


@dataclass(frozen=True)
class Performer:
    rank: int  # within the list: 1, 2, 2, 4 ...
    label: str
    value: float
    own: bool


def top_performers(progress: CampaignProgress) -> list[Performer]:
    """The best uptake this week among practices with at least TOP_MIN_ELIGIBLE eligible,
    numbered 1, 2, 3 ... within that list by the one ranking rule (ties share a number); every
    practice tied with the last place is listed too."""
    eligible = [
        s for s in progress.ranked if (s.denominator or 0) >= TOP_MIN_ELIGIBLE and s.value is not None
    ]
    ranks = competition_ranks([s.value for s in eligible], progress.higher_is_better)
    listed = sorted(zip(ranks, eligible, strict=True), key=lambda rs: rs[0])
    if len(listed) > TOP:
        cut = listed[TOP - 1][0]
        listed = [(r, s) for r, s in listed if r <= cut]
    return [Performer(int(r), s.label, float(s.value), bool(s.own)) for r, s in listed]


def build(
    campaign: CampaignSpec,
    tip: str,
    progress: CampaignProgress,
    recipient: Recipient,
    service_name: str,
    today: dt.date | None = None,
) -> Newsletter:
    """One recipient's newsletter, from the progress worked out for their access, as sent on
    `today` (the real date unless given)."""
    if not recipient.email:
        raise NewsletterError(f"user {recipient.username} has no email address")
    latest = progress.programme[-1]
    today = today or dt.date.today()
    # data older than the newsletter's week are said to be old at the top, never sent as current
    stale_days = (today - latest.date).days if (today - latest.date).days > STALE_AFTER_DAYS else 0
    own = [] if recipient.central else progress.own()
    spec = chart_spec(progress, title=None, width=560)
    context = {
        "service": service_name,
        "campaign": campaign,
        "p": progress,
        "latest": latest,
        "week": latest.date.strftime("%d %B %Y"),
        "top": top_performers(progress),
        "stale_days": stale_days,
        "trajectory_note": progress.trajectory_note,
        "top_min": TOP_MIN_ELIGIBLE,
        "own": own,
        "own_lines": [position_line(s, progress) for s in own],
        "central": recipient.central,
        "tip": tip.strip(),
        "chart_cid": CHART_CID,
        "chart_alt": spec["description"],
        "sent_on": today.strftime("%d %B %Y"),
    }
    subject = f"{campaign.name}: week ending {context['week']}"
    text = _env(False).get_template("newsletter.txt.jinja").render(context)
    html = _env(True).get_template("newsletter.html.jinja").render(context)
    images = {CHART_CID: render(spec, "png", scale=2.0)}
    return Newsletter(recipient.username, recipient.email, subject, text, html, images)


def write(newsletters: list[Newsletter], out: Path, from_email: str) -> list[Path]:
    """For review: <out>/<username>.eml (the whole message), .html and .txt."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n in newsletters:
        eml = out / f"{n.username}.eml"
        eml.write_bytes(n.message(from_email).message().as_bytes())
        (out / f"{n.username}.html").write_text(n.html, encoding="utf-8")
        (out / f"{n.username}.txt").write_text(n.text, encoding="utf-8")
        written.append(eml)
    return written


def send(newsletters: list[Newsletter], from_email: str, connection: Any = None) -> int:
    """Send over Django's email backend (SMTP with the EMAIL_* settings); returns messages sent."""
    connection = connection or get_connection()
    messages = [n.message(from_email, connection) for n in newsletters]
    return connection.send_messages(messages) or 0
