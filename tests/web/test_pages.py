"""Every page renders for the roles that use it, with the figures the results hold."""

from __future__ import annotations

import duckdb
import pytest
from django.urls import reverse

from tests.web.conftest import ROLES


@pytest.mark.parametrize("username", ROLES)
def test_home_renders_for_every_role(login, username):
    response = login(username).get(reverse("dashboard:home"))
    assert response.status_code == 200
    assert b"<h1" in response.content


def test_login_required(client, programme):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_practice_overview_shows_own_values(login, programme):
    client = login("clinician")
    response = client.get(reverse("dashboard:practice", args=[programme.own]))
    assert response.status_code == 200
    # the practice's latest value for one indicator, computed independently from the results file
    path = programme.root / "results" / "results.parquet"
    num, den = duckdb.execute(
        "SELECT numerator, denominator FROM read_parquet(?) WHERE org_code = ? AND indicator_id = 'hyp-bp-79' "
        "ORDER BY reporting_date DESC LIMIT 1",
        [str(path), programme.own],
    ).fetchone()
    assert f"{num / den * 100:.1f}%".encode() in response.content
    assert f"{den:,}".encode() in response.content


@pytest.mark.parametrize(
    "page", ["dashboard:indicators", "dashboard:networks", "dashboard:operational", "dashboard:about"]
)
def test_pages_render_for_clinician(login, page):
    assert login("clinician").get(reverse(page)).status_code == 200


def test_indicator_page_with_options(login, programme):
    client = login("clinician")
    url = reverse("dashboard:indicator", args=["pulse-check-65"])
    for query in (
        "",
        "?method=wilson",
        f"?focus=network:{programme.network}",
        "?focus=programme&date=2024-06-30&compare=2023-06-30",
    ):
        response = client.get(url + query)
        assert response.status_code == 200, query
        assert b'data-chart="spec-funnel"' in response.content
    assert client.get(url + "?date=1999-01-31").status_code == 404
    assert client.get(url + "?method=evil").status_code == 404


def test_data_quality_only_for_central_roles(login):
    assert login("analyst").get(reverse("dashboard:data_quality")).status_code == 200
    assert login("clinician").get(reverse("dashboard:data_quality")).status_code == 404


@pytest.mark.parametrize("fmt,magic", [("csv", b"Rank,Practice,"), ("xlsx", b"PK")])
def test_table_downloads(login, programme, fmt, magic):
    client = login("clinician")
    url = reverse("dashboard:indicator", args=["hyp-bp-79"]) + f"?download=league-table&format={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_chart_downloads(login, fmt, magic):
    client = login("clinician")
    url = reverse("dashboard:indicator", args=["hyp-bp-79"]) + f"?download=funnel&format={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.lstrip()[: len(magic)] == magic


def test_network_page_sums_visible_practices(login, programme):
    from gpqi.web.governance.models import Practice

    client = login("networklead")
    response = client.get(reverse("dashboard:networks") + "?indicator=hyp-bp-79&download=networks&format=csv")
    assert response.status_code == 200
    rows = [line.split(",") for line in response.content.decode().splitlines()]
    header, body = rows[0], {r[0]: r for r in rows[1:]}
    members = list(Practice.objects.filter(network__code=programme.network).values_list("code", flat=True))
    visible = [m for m in members if m not in (programme.suspended, programme.no_agreement)]
    path = programme.root / "results" / "results.parquet"
    num, den = duckdb.execute(
        "SELECT sum(numerator), sum(denominator) FROM read_parquet(?) WHERE org_type='practice' AND indicator_id='hyp-bp-79' "
        "AND reporting_date = (SELECT max(reporting_date) FROM read_parquet(?)) AND list_contains(?, org_code)",
        [str(path), str(path), visible],
    ).fetchone()
    row = body[programme.network]
    assert int(row[header.index("Numerator")]) == num
    assert int(row[header.index("Denominator")]) == den


def test_indicator_charts_come_from_the_shared_builders(login, programme):
    import json
    import re

    content = login("clinician").get(reverse("dashboard:indicator", args=["hyp-bp-79"])).content.decode()
    kinds = {
        name: json.loads(spec)["usermeta"]["gpqi"]["chart"]
        for name, spec in re.findall(
            r'<script type="application/json" id="spec-([a-z]+)">(.*?)</script>', content, re.S
        )
    }
    assert kinds == {
        "funnel": "funnel",
        "caterpillar": "caterpillar",
        "distribution": "distribution",
        "trend": "spc",
        "peers": "trend",
    }
