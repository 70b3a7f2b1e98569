"""The monthly alerts digest, sent to a real SMTP server (aiosmtpd on a free local port) and read
back: one email per subscriber for all their practices, the alerts gpqi.access.alerts selects in
separate ranked sections, nothing outside the recipient's scope, and an unsubscribe link that
works without signing in."""

from __future__ import annotations

import re

import pytest

from tests.reports.test_newsletter import _cli, _parts, smtp  # noqa: F401  (the SMTP fixture)

ADDRESSES = {u: f"{u}@example.org" for u in ("clinician", "facilitator", "networklead")}


def _expected(programme, username: str, date):  # noqa: ANN001, ANN202
    from django.contrib.auth.models import User

    from gpqi.access.alerts import AlertSettings, alerts_for
    from gpqi.access.results import store_for
    from gpqi.web.catalogue import catalogue
    from gpqi.web.permissions import build_access
    from gpqi.workspace import open_workspace

    ws = open_workspace(programme.root)
    store = store_for(ws)
    access = build_access(User.objects.get(username=username))
    return alerts_for(ws, store, access, catalogue(store.indicator_ids()), date, AlertSettings.of(ws))


@pytest.fixture
def subscribed(login, programme):  # noqa: ANN001, ANN201
    from django.contrib.auth.models import User

    for username, address in ADDRESSES.items():
        User.objects.filter(username=username).update(email=address)
        client = login(username)
        assert client.post("/alerts/", {"subscribe": "1"}).status_code == 302
        assert "You are subscribed" in client.get("/alerts/").content.decode()
    return ADDRESSES


def _month_with_alerts(programme):  # noqa: ANN001, ANN202
    from gpqi.access.results import store_for
    from gpqi.workspace import open_workspace

    for date in reversed(store_for(open_workspace(programme.root)).dates()[-12:]):
        imp, det = _expected(programme, "networklead", date)
        if imp and det:
            return date
    pytest.fail("no month in the last year with both improvements and deteriorations for the network lead")


def test_digests_sent_and_read_back(programme, subscribed, smtp, login):  # noqa: F811
    from gpqi.web.alerts.models import Subscription
    from gpqi.web.governance.models import Practice

    date = _month_with_alerts(programme)
    result = _cli("alerts", "--month", f"{date:%Y-%m}", "--send", "-w", str(programme.root))
    assert result.exit_code == 0, result.output
    arrived = {tuple(to): msg for to, msg in smtp.messages}
    lead = arrived[(ADDRESSES["networklead"],)]
    assert lead["Subject"].endswith(f"in {date:%B %Y}")
    parts = _parts(lead)
    text = parts["text"]
    improvements, deteriorations = _expected(programme, "networklead", date)
    assert f"IMPROVEMENTS ({len(improvements)})" in text and f"DETERIORATIONS ({len(deteriorations)})" in text
    head, tail = text.split("DETERIORATIONS")
    for section, alerts in ((head, improvements), (tail, deteriorations)):
        lines = [f"{i}. {a.practice_label}: {a.meta.title}" for i, a in enumerate(alerts, 1)]
        positions = [section.index(line) for line in lines]
        assert positions == sorted(positions)  # in the ranked order
    # one digest for all the lead's practices; nothing outside the network named
    network = set(Practice.objects.filter(network__code=programme.network).values_list("name", flat=True))
    others = set(Practice.objects.exclude(network__code=programme.network).values_list("name", flat=True))
    assert {a.practice_label for a in improvements + deteriorations} <= network
    assert not any(name in text or name in parts["html"] for name in others)
    # every subscriber with an alert got exactly one email; those without got none
    for username in ("clinician", "facilitator"):
        imp, det = _expected(programme, username, date)
        assert ((ADDRESSES[username],) in arrived) == bool(imp or det), username
    assert len(smtp.messages) == len(arrived)
    # the unsubscribe link works without signing in (GET asks, POST unsubscribes)
    link = re.search(r"Unsubscribe: (\S+)", text).group(1)
    path = "/" + link.split("/", 3)[3]
    client = login("clinician")
    client.logout()
    assert "Unsubscribe" in client.get(path).content.decode()
    assert Subscription.objects.get(user__username="networklead").active
    assert client.post(path).status_code == 200
    assert not Subscription.objects.get(user__username="networklead").active
    smtp.messages.clear()
    again = _cli("alerts", "--month", f"{date:%Y-%m}", "--send", "-w", str(programme.root))
    assert again.exit_code == 0 and (ADDRESSES["networklead"],) not in {tuple(t) for t, _ in smtp.messages}


def test_review_copies_and_bad_month(programme, subscribed, smtp, tmp_path):  # noqa: F811
    date = _month_with_alerts(programme)
    out = tmp_path / "review"
    result = _cli("alerts", "--month", f"{date:%Y-%m}", "--out", str(out), "-w", str(programme.root))
    assert result.exit_code == 0, result.output
    assert "networklead.eml" in {p.name for p in out.iterdir()} and not smtp.messages
    bad = _cli("alerts", "--month", "1999-01", "-w", str(programme.root))
    assert bad.exit_code == 2 and "no results for that month" in bad.output


def test_alerts_page_needs_practices_of_ones_own(login, programme):
    from gpqi.web.alerts.models import Subscription

    client = login("clinician")
    page = client.get("/alerts/").content.decode()
    assert "Subscribe to the monthly alerts" in page and "This month" in page
    assert client.post("/alerts/", {"subscribe": "1"}).status_code == 302
    assert client.post("/alerts/", {"subscribe": "0"}).status_code == 302
    assert not Subscription.objects.get(user__username="clinician").active
    assert login("networklead").get("/alerts/unsubscribe/not-a-token/").status_code == 404
