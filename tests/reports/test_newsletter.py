"""The weekly newsletter, sent to a real SMTP server (aiosmtpd on a free local port) and read back
from what arrived: recipients, subject, the text and HTML parts, the inline PNG chart, each
recipient's own practice position only, pseudonyms respected, no patient-level data."""

from __future__ import annotations

import email
import re
import socket
from email import policy

import pytest

from tests.web import campaign_data as cd


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's hook name
        self.messages.append(
            (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):  # noqa: ANN001, ANN201
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "flu-team@example.nhs.uk"
    yield inbox
    controller.stop()


ADDRESSES = {
    "manager": "manager@example.nhs.uk",
    "networklead": "lead@example.nhs.uk",
    "analyst": "analyst@example.nhs.uk",
}


@pytest.fixture
def recipients(campaign):  # noqa: ANN001, ANN201
    from django.contrib.auth.models import User

    users = []
    for username, address in ADDRESSES.items():
        user = User.objects.get(username=username)
        user.email = address
        user.save()
        users.append(user)
    campaign.campaign.recipients.set(users)
    return users


def _cli(*args: str):  # noqa: ANN202
    from typer.testing import CliRunner

    from gpqi.cli import app

    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def _parts(message) -> dict[str, object]:  # noqa: ANN001
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    return {"text": text, "html": html, "images": images}


def test_send_newsletter_over_smtp(programme, campaign, recipients, smtp):
    from gpqi.web.campaigns.models import Campaign
    from gpqi.web.governance.models import Practice

    Campaign.objects.filter(pk=campaign.campaign.pk).update(
        tip="Phone the over-75s who have not booked.\nOpen on Saturday."
    )
    result = _cli("newsletter", "--campaign", str(campaign.campaign.pk), "--send", "-w", str(programme.root))
    assert result.exit_code == 0, result.output
    assert "Sent 3 newsletter(s)" in result.output
    arrived = {tuple(rcpt): msg for rcpt, msg in smtp.messages}
    assert sorted(arrived) == sorted((a,) for a in ADDRESSES.values())

    practices = {p.code: p for p in Practice.objects.all()}
    own, named, anon = (
        practices[programme.own],
        practices[programme.named_peer],
        practices[programme.anonymous_peer],
    )
    network = {c for c, p in practices.items() if p.network.code == programme.network}
    hidden = {programme.suspended, programme.no_agreement}
    last = campaign.counts[campaign.counts["reporting_date"] == cd.WEEKS[-1]].set_index("org_code")

    for msg in arrived.values():
        assert msg["Subject"] == f"Flu 2025/26: 65 and over: week ending {cd.WEEKS[-1]:%d %B %Y}"
        assert msg["From"] == "flu-team@example.nhs.uk"
        parts = _parts(msg)
        text, html = parts["text"], parts["html"]
        assert "PROGRAMME PROGRESS" in text and "<h2" in html and "Programme progress" in html
        assert (
            "Phone the over-75s who have not booked." in text
            and '<p style="margin:0 0 8px;">Open on Saturday.</p>' in html
        )
        (image,) = parts["images"]
        assert image["Content-ID"] == "<campaign-chart>" and 'src="cid:campaign-chart"' in html
        assert image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
        alt = re.search(r'<img [^>]*alt="([^"]+)"', html).group(1)
        assert "Cumulative uptake by week" in alt
        both = text + html
        assert not re.search(r"\b\d{10}\b", both), "NHS-number-like digits"
        for code in hidden:  # no agreement in force: absent, by name or pseudonym
            assert practices[code].name not in both and practices[code].pseudonym not in both

    manager = _parts(arrived[(ADDRESSES["manager"],)])
    mine = last.loc[own.code]
    assert "YOUR PRACTICE" in manager["text"] and "Your practice" in manager["html"]
    assert f"{own.name} is at" in manager["html"]  # the chart's alt text names the highlighted own practice
    position = (
        f"{own.name}: {mine.numerator / mine.denominator:.1%} ({mine.numerator:,} of {mine.denominator:,})"
    )
    assert position in manager["text"] and "behind the trajectory" in manager["text"]
    others = [p for c, p in practices.items() if c not in (own.code, named.code)]
    for p in others:  # only the own practice and peers that permit naming are named
        assert p.name not in manager["text"] + manager["html"], p.code
    positions = re.findall(r"^- (.+?): ", manager["text"], flags=re.M)
    assert positions == [own.name]  # the manager's position list holds their practice only
    top = re.findall(r"^\d+\. (.+?): ", manager["text"], flags=re.M)
    assert anon.pseudonym not in top  # 12 eligible: below the top performers' minimum
    assert len(top) == 5 and all(
        label == named.name or label.startswith("Practice ") or label == own.name for label in top
    )

    lead = _parts(arrived[(ADDRESSES["networklead"],)])
    lead_positions = set(re.findall(r"^- (.+?): ", lead["text"], flags=re.M))
    assert lead_positions == {practices[c].name for c in network - hidden}
    assert anon.code not in network and anon.name not in lead["text"] + lead["html"]

    analyst = _parts(arrived[(ADDRESSES["analyst"],)])
    assert "YOUR PRACTICE" not in analyst["text"]  # the central team gets the programme view
    shared = campaign.counts[~campaign.counts["org_code"].isin(hidden)]
    total = shared[shared["reporting_date"] == cd.WEEKS[-1]]
    assert f"({total['numerator'].sum():,} of {total['denominator'].sum():,})" in analyst["text"]


def test_newsletter_says_when_its_figures_are_old(programme, campaign):
    import datetime as dt

    from django.contrib.auth.models import User

    from gpqi.access.campaigns import progress_for
    from gpqi.reports import newsletter
    from gpqi.web.permissions import build_access
    from gpqi.workspace import open_workspace

    user = User.objects.get(username="manager")
    progress = progress_for(campaign.campaign.spec(), build_access(user), open_workspace(programme.root))
    recipient = newsletter.Recipient("manager", "manager@example.nhs.uk", False)
    week = cd.WEEKS[-1]

    def letter(today: dt.date):  # noqa: ANN202
        return newsletter.build(campaign.campaign.spec(), "", progress, recipient, "gpqi", today=today)

    fresh = letter(week + dt.timedelta(days=newsletter.STALE_AFTER_DAYS))
    assert "DAYS OLD" not in fresh.text and "days old" not in fresh.html
    old = letter(dt.date(2026, 12, 1))
    days = (dt.date(2026, 12, 1) - week).days
    assert f"PLEASE NOTE: THESE FIGURES ARE {days} DAYS OLD" in old.text
    assert f"these figures are {days} days old" in old.html and f"week ending {week:%d %B %Y}" in old.html
    # the top performers are numbered by the one ranking rule: 1, 2, 3 ... with ties sharing
    top = newsletter.top_performers(progress)
    ranks = [p.rank for p in top]
    values = [p.value for p in top]
    assert ranks[0] == 1 and ranks == sorted(ranks)
    for i in range(1, len(top)):
        assert ranks[i] == (ranks[i - 1] if values[i] == values[i - 1] else i + 1)


def test_review_copies_and_bad_addresses(programme, campaign, recipients, smtp, settings, tmp_path):
    out = tmp_path / "review"
    result = _cli(
        "newsletter",
        "--campaign",
        str(campaign.campaign.pk),
        "--to",
        ADDRESSES["manager"],
        "--out",
        str(out),
        "-w",
        str(programme.root),
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["manager.eml", "manager.html", "manager.txt"]
    msg = email.message_from_bytes((out / "manager.eml").read_bytes(), policy=policy.default)
    assert msg["To"] == ADDRESSES["manager"] and _parts(msg)["images"]
    assert not smtp.messages  # nothing sent without --send
    unknown = _cli(
        "newsletter",
        "--campaign",
        str(campaign.campaign.pk),
        "--to",
        "someone@else.example",
        "--send",
        "-w",
        str(programme.root),
    )
    assert unknown.exit_code == 2 and "no active user has this address" in unknown.output
    assert not smtp.messages
    settings.EMAIL_PORT = _free_port()  # nothing listens there: a clear failure, exit status 1
    refused = _cli("newsletter", "--campaign", str(campaign.campaign.pk), "--send", "-w", str(programme.root))
    assert refused.exit_code == 1 and f"port {settings.EMAIL_PORT}" in " ".join(refused.output.split())
    missing = _cli("newsletter", "--campaign", "9999", "-w", str(programme.root))
    assert missing.exit_code == 2 and "no campaign 9999" in missing.output
