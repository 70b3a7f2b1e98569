"""The monthly alerts digest: one email per subscribed user (HTML and plain text) listing, for all
their practices, the indicators with a change that month, improvements and deteriorations in
separate sections, each ranked by the size of the change (`gpqi.access.alerts`: CUSUM on the
practice's percentile among peers, or a new SPC special cause; small denominators never alert),
with a link to each indicator's page and an unsubscribe link. Only the recipient's own
practices' figures appear (their own: exact); no patient-level data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gpqi.access.alerts import Alert

TEMPLATES = Path(__file__).parent / "templates"
RULES = {
    "outside_limits": "a point beyond the control limits",
    "trend": "a trend of 7 points",
    "two_of_three": "2 of 3 points near a limit",
    "shift": "a run of 7 points on one side of the mean",
}


@dataclass
class Digest:
    username: str
    to: str
    subject: str
    text: str
    html: str
    count: int

    def message(self, from_email: str | None = None, connection: Any = None):  # noqa: ANN201
        msg = EmailMultiAlternatives(
            self.subject, self.text, from_email=from_email, to=[self.to], connection=connection
        )
        msg.attach_alternative(self.html, "text/html")
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
    return env


def _ordinal(n: float) -> str:
    k = int(round(n))
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def why(alert: Alert) -> str:
    """One sentence on why an indicator alerted."""
    parts = []
    if alert.cusum and alert.percentile is not None and alert.reference is not None:
        parts.append(
            f"its position among practices moved from about the {_ordinal(alert.reference)} to the "
            f"{_ordinal(alert.percentile)} percentile (CUSUM)"
        )
    if alert.spc:
        parts.append(f"its own chart shows a new special cause ({RULES.get(alert.spc, alert.spc)})")
    text = " and ".join(parts)
    return text[:1].upper() + text[1:] + "."


def build(
    username: str,
    address: str,
    month: dt.date,
    improvements: list[Alert],
    deteriorations: list[Alert],
    service: str,
    site_url: str,
    unsubscribe_url: str,
    min_denominator: int,
) -> Digest:
    site = site_url.rstrip("/")

    def rows(alerts: list[Alert]) -> list[dict[str, Any]]:
        return [
            {"a": a, "why": why(a), "href": f"{site}/indicators/{a.meta.id}/?focus={a.practice_code}"}
            for a in alerts
        ]

    context = {
        "service": service,
        "month": month.strftime("%B %Y"),
        "improvements": rows(improvements),
        "deteriorations": rows(deteriorations),
        "unsubscribe": unsubscribe_url,
        "site": site,
        "min_denominator": min_denominator,
    }
    count = len(improvements) + len(deteriorations)
    subject = f"{service}: {count} indicator change{'s' if count != 1 else ''} in {context['month']}"
    text = _env(False).get_template("alerts.txt.jinja").render(context)
    html = _env(True).get_template("alerts.html.jinja").render(context)
    return Digest(username, address, subject, text, html, count)


def write(digests: list[Digest], out: Path, from_email: str) -> list[Path]:
    """For review: <out>/<username>.eml, .html and .txt."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for d in digests:
        eml = out / f"{d.username}.eml"
        eml.write_bytes(d.message(from_email).message().as_bytes())
        (out / f"{d.username}.html").write_text(d.html, encoding="utf-8")
        (out / f"{d.username}.txt").write_text(d.text, encoding="utf-8")
        written.append(eml)
    return written


def send(digests: list[Digest], from_email: str, connection: Any = None) -> int:
    connection = connection or get_connection()
    return connection.send_messages([d.message(from_email, connection) for d in digests]) or 0
