"""Attacks on disclosure by a practice user, over HTTP with the Django test client: differencing
totals, peer statistics from suppressed practices, exact list sizes of pseudonymised peers.

Each test does what an attacker would (downloads what the pages offer, subtracts what the user
knows of their own practice) and checks the outcome against the gate's rule
(docs/governance.md), computed independently here from the results file and gpqi.stats."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pytest

from gpqi.stats import disclose
from gpqi.workspace import open_workspace
from tests.web.conftest import SPECS
from tests.web.downloads import csv_records

REDACT, ROUND = 7, 5  # the workspace's [disclosure] defaults
PRACTICE_USERS = ("clinician", "manager", "facilitator")


def _csv(client, url: str) -> list[dict[str, str]]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, url
    return csv_records(response.content)


def _practice_rows(root, indicator_id: str) -> dict[str, tuple[int, int]]:  # noqa: ANN001
    """Every practice's raw (numerator, denominator) at the latest date, from the results file."""
    ws = open_workspace(root)
    con = duckdb.connect()
    rows = con.execute(
        f"""select org_code, numerator, denominator from read_parquet('{ws.results_path}')
        where indicator_id = ? and org_type = 'practice'
        and reporting_date = (select max(reporting_date) from read_parquet('{ws.results_path}'))""",
        [indicator_id],
    ).fetchall()
    return {code: (int(n), int(d)) for code, n, d in rows}


def _disclosed_or_blank(text: str) -> bool:
    """A figure that reveals nothing below the threshold: blank (redacted) or a rounded count
    above the threshold."""
    if text == "":
        return True
    value = float(text)
    return value % ROUND == 0 and value > REDACT


def _shared(programme) -> set[str]:  # noqa: ANN001
    from gpqi.web.governance.models import Practice

    codes = set(Practice.objects.values_list("code", flat=True))
    return codes - {programme.suspended, programme.no_agreement}


@pytest.mark.parametrize("username", PRACTICE_USERS)
def test_network_totals_minus_own_counts_reveal_nothing(login, programme, username):
    """Every network total a practice user can download, minus the raw counts of that user's own
    practices in it, is a disclosed figure (before: a practice user's own network was shown with
    its raw sums, so subtracting the practice's own count gave its peers' exact combined count)."""
    from gpqi.web.accounts.models import Profile

    client = login(username)
    profile = Profile.objects.get(user__username=username)
    own = (
        {profile.practice.code}
        if profile.practice_id
        else set(profile.practices.values_list("code", flat=True))
    )
    from gpqi.web.governance.models import Practice

    network_of = dict(Practice.objects.values_list("code", "network__code"))
    shared = _shared(programme)
    checked = 0
    for spec in SPECS:
        raw = _practice_rows(programme.root, spec.id)
        for row in _csv(client, f"/networks/?indicator={spec.id}&download=networks&format=csv"):
            network = row.get("Code") or row["Network"]
            members = {c for c in shared if network_of[c] == network}
            mine = members & own
            if members <= own:
                continue  # the user's own practices only: raw is theirs to see
            for column, k in (("Numerator", 0), ("Denominator", 1)):
                known = sum(raw[c][k] for c in mine)
                rest = "" if row[column] == "" else str(float(row[column]) - known)
                assert _disclosed_or_blank(rest), (spec.id, network, column, row[column], known)
                checked += 1
    assert checked >= len(SPECS) * 2 * 2  # at least two networks per indicator were differenced


def test_peer_statistics_come_from_disclosed_figures(login, programme):
    """The peer median and quartiles a practice user sees are those of the peers' disclosed
    rates (redacted practices left out), not of their raw rates."""
    client = login("clinician")
    rows = _csv(client, f"/practices/{programme.own}/?download=overview-cardiovascular&format=csv")
    rows += _csv(client, f"/practices/{programme.own}/?download=overview-diabetes&format=csv")
    titles = {r["Indicator"]: r for r in rows}
    shared = _shared(programme)
    compared = 0
    from gpqi.indicators import get

    for spec in SPECS:
        title = get(spec.id).title
        if title not in titles:
            continue
        raw = {c: v for c, v in _practice_rows(programme.root, spec.id).items() if c in shared and v[1] > 0}
        num = np.array([n for n, _ in raw.values()], dtype="float64")
        den = np.array([d for _, d in raw.values()], dtype="float64")
        dnum, dden = disclose(num, REDACT, ROUND), disclose(den, REDACT, ROUND)
        ok = ~np.isnan(dnum) & ~np.isnan(dden) & (dden > 0)
        disclosed = dnum[ok] / dden[ok]
        expected = np.percentile(disclosed, [25, 50, 75])
        raw_rates = num / den
        shown = [
            float(titles[title][c]) for c in ("Peer lower quartile", "Peer median", "Peer upper quartile")
        ]
        assert shown == pytest.approx(expected, abs=5e-6), spec.id  # CSV holds 6 decimals
        assert shown != pytest.approx(np.percentile(raw_rates, [25, 50, 75]), abs=5e-6)  # the raw ones leak
        compared += 1
    assert compared >= 2


def _specs_in(page: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, re.S)
    return {name: json.loads(body) for name, body in found}


def test_peer_list_sizes_are_rounded_in_chart_specs(login, programme):
    """The distribution chart's JSON holds peers' list sizes rounded to 100 (an exact list size
    links a pseudonym back to a practice); the user's own practice keeps its exact size."""
    from gpqi.web.governance.models import Practice

    client = login("clinician")
    page = client.get("/indicators/pulse-check-65/").content.decode()
    spec = _specs_in(page)["distribution"]
    ws = open_workspace(programme.root)
    sizes = dict(
        duckdb.connect()
        .execute(
            f"select practice_code, list_size from read_parquet('{ws.list_sizes_path}') "
            f"where reporting_date = (select max(reporting_date) from read_parquet('{ws.list_sizes_path}'))"
        )
        .fetchall()
    )
    own = Practice.objects.get(code=programme.own)
    rows = [r for layer in spec["layer"] for r in layer.get("data", {}).get("values", []) if "size" in r]
    latest = [r for r in rows if r.get("period") == rows[-1]["period"]]
    assert len(latest) >= 8
    for r in latest:
        if r["label"] == own.name:
            assert r["size"] == sizes[own.code]
        else:
            assert r["size"] % 100 == 0, r
    assert any(sizes[c] % 100 for c in sizes if c != own.code)  # exact sizes would have shown
