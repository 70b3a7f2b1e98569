"""The national-scale paths of the indicator page on the small test programme (the thresholds
lowered so they apply): programme-wide memos shared between users never carry one user's raw
counts to another; charts aggregate past POINTS_LIMIT; the league table pages on the server while
its downloads hold every row."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pytest
from django.urls import reverse

from gpqi.stats import disclose
from tests.web.downloads import csv_records

INDICATOR = "hyp-bp-79"


def _latest(programme) -> dict[str, tuple[int, int]]:  # noqa: ANN001
    path = str(programme.root / "results" / "results.parquet")
    rows = duckdb.execute(
        "SELECT org_code, numerator, denominator FROM read_parquet(?) WHERE org_type = 'practice' "
        "AND indicator_id = ? AND reporting_date = (SELECT max(reporting_date) FROM read_parquet(?))",
        [path, INDICATOR, path],
    ).fetchall()
    return {code: (int(n), int(d)) for code, n, d in rows}


def _league(client, query: str = "") -> dict[str, dict[str, str]]:  # noqa: ANN001
    url = reverse("dashboard:indicator", args=[INDICATOR]) + f"?download=league-table&format=csv{query}"
    response = client.get(url)
    assert response.status_code == 200
    return {r["Practice"]: r for r in csv_records(response.content)}


def _spec(content: bytes, name: str) -> dict:
    m = re.search(rf'<script type="application/json" id="spec-{name}">(.*?)</script>', content.decode(), re.S)
    assert m, name
    return json.loads(m.group(1))


def test_memoised_programme_view_never_carries_raw_counts_to_another_user(login, programme):
    from gpqi.web.governance.models import Practice

    raw = _latest(programme)
    own = Practice.objects.get(code=programme.own)
    num, den = raw[programme.own]
    # the clinician first: the programme-wide memos are built during their request
    mine = _league(login("clinician"))
    assert mine[own.name]["Numerator"] == str(num)
    assert mine[own.name]["Denominator"] == str(den)
    # a facilitator (not this practice's) then gets the same memos: the practice by pseudonym,
    # its counts through disclosure control
    theirs = _league(login("facilitator"))
    assert own.name not in theirs
    row = theirs[own.pseudonym]
    expected = [disclose(np.array([float(x)]))[0] for x in (num, den)]
    shown = [
        float(row["Numerator"]) if row["Numerator"] not in ("", "suppressed") else np.nan,
        float(row["Denominator"]),
    ]
    assert np.allclose(shown, expected, equal_nan=True)
    # and the central team sees every practice raw
    central = _league(login("analyst"))
    assert central[own.name]["Numerator"] == str(num)


def test_charts_aggregate_past_the_points_limit(login, programme, monkeypatch):
    from gpqi.web.dashboard import charts
    from gpqi.web.governance.models import Practice

    monkeypatch.setattr(charts, "POINTS_LIMIT", 3)
    monkeypatch.setattr(charts, "DISTRIBUTION_GROUPS", 2)
    client = login("clinician")
    response = client.get(reverse("dashboard:indicator", args=[INDICATOR]))
    assert response.status_code == 200
    own = Practice.objects.get(code=programme.own).name
    funnel = _spec(response.content, "funnel")
    points = funnel["layer"][2]["data"]["values"]
    labels = [p["label"] for p in points]
    assert labels.count(own) == 1  # the user's practice as itself
    others = [p for p in points if p["label"] != own]
    counts = [int(p["label"].split()[0]) for p in others]  # "N practices" bins, no names
    assert all(re.fullmatch(r"\d+ practices?", p["label"]) for p in others)
    shown = len(_league(client))
    assert sum(counts) == shown  # every shown practice is in exactly one bin
    assert "bins" in funnel["description"]
    dist = _spec(response.content, "distribution")
    rows = dist["layer"][0]["data"]["values"]
    assert sum(1 for r in rows if r["label"] == own) == 2  # then and now
    assert sum(1 for r in rows if "to" in r["label"] and "practice" in r["label"]) == 4  # 2 groups x 2 dates


def test_league_table_pages_on_the_server(login, programme, monkeypatch):
    from gpqi.web.dashboard.views import indicators as views
    from gpqi.web.governance.models import Practice

    monkeypatch.setattr(views, "LEAGUE_PAGE_ROWS", 3)
    client = login("clinician")
    url = reverse("dashboard:indicator", args=[INDICATOR])
    everyone = _league(client)
    first = client.get(url).content.decode()
    table = first[
        first.index('id="table-league-table"') : first.index(
            "</table>", first.index('id="table-league-table"')
        )
    ]
    rows = table[table.index("<tbody") :].count('<tr class="nhsuk-table__row')
    own = Practice.objects.get(code=programme.own).name
    own_rank = int(everyone[own]["Rank"])
    assert rows == 3 + (own_rank > 3)  # one page, plus the user's own practice when it is elsewhere
    assert "league_page=2" in first
    last_page = -(-len(everyone) // 3)
    last = client.get(url + f"?league_page={last_page}").content.decode()
    assert "league_page=2" not in last or last_page == 2
    assert client.get(url + "?league_page=999").status_code == 200  # clamped to the last page
    assert len(everyone) > 3  # the download holds every row, whatever the page


def test_networks_page_own_network_raw_others_disclosed(login, programme):
    from gpqi.web.governance.models import Agreement, Practice

    raw = _latest(programme)
    shared = set(Agreement.objects.filter(status=Agreement.ACTIVE).values_list("practice__code", flat=True))
    sums: dict[str, list[int]] = {}
    for code, net in Practice.objects.values_list("code", "network__code"):
        if code in shared and code in raw:
            s = sums.setdefault(net, [0, 0])
            s[0] += raw[code][0]
            s[1] += raw[code][1]
    for username in ("analyst", "networklead"):  # the central team's memo first, then the lead's
        response = login(username).get(
            reverse("dashboard:networks") + f"?indicator={INDICATOR}&download=networks&format=csv"
        )
        rows = {r["Code"]: r for r in csv_records(response.content)}
        assert set(rows) == set(sums)
        for net, (num, den) in sums.items():
            own = username == "analyst" or net == programme.network
            want = (num, den) if own else tuple(disclose(np.array([float(num), float(den)])))
            assert (float(rows[net]["Numerator"]), float(rows[net]["Denominator"])) == pytest.approx(want), (
                net
            )


def test_trend_against_peer_deciles_uses_disclosed_counts(login, programme):
    from gpqi.web.governance.models import Agreement

    raw = _latest(programme)
    shared = set(Agreement.objects.filter(status=Agreement.ACTIVE).values_list("practice__code", flat=True))
    num, den = (np.array([raw[c][i] for c in sorted(raw) if c in shared], dtype="float64") for i in (0, 1))
    num, den = disclose(num), disclose(den)
    ok = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
    expected = np.percentile(num[ok] / den[ok], [10, 50, 90])
    content = login("clinician").get(reverse("dashboard:indicator", args=[INDICATOR])).content
    spec = _spec(content, "peers")
    rows = next(
        layer["data"]["values"] for layer in spec["layer"] if "percentile" in layer["data"]["values"][0]
    )
    latest = max(r["date"] for r in rows)
    got = {r["percentile"]: r["value"] for r in rows if r["date"] == latest}
    assert [got[10], got[50], got[90]] == pytest.approx(list(expected))
