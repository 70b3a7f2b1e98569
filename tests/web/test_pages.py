"""Every page renders for the roles that use it, with the figures the results hold."""

from __future__ import annotations

import io

import duckdb
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.web.conftest import ROLES
from tests.web.downloads import csv_about, csv_records


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
        # its results were computed with the library's definition: nothing is waiting for a run
        assert b"Waiting for the next run" not in response.content
    assert client.get(url + "?date=1999-01-31").status_code == 404
    assert client.get(url + "?method=evil").status_code == 404


def test_data_quality_only_for_central_roles(login):
    assert login("analyst").get(reverse("dashboard:data_quality")).status_code == 200
    assert login("clinician").get(reverse("dashboard:data_quality")).status_code == 404


def test_table_downloads_say_what_they_hold(login, programme):
    """A download is named after the indicator, the table and the reporting date, and starts with
    its title, date, scope, disclosure note and source (XLSX: on an "About" sheet)."""

    client = login("clinician")
    url = reverse("dashboard:indicator", args=["hyp-bp-79"]) + "?download=league-table&format="
    response = client.get(url + "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hyp-bp-79_league_2025-12-31.csv"'
    about = csv_about(response.content)
    assert about["Reporting date"] == "2025-12-31"
    assert about["Title"].startswith("Hypertension") and "highest first" in about["Title"]
    assert about["Scope"] == "10 practices with a data-sharing agreement in force in Test programme"
    assert "rounded to the nearest 5" in about["Disclosure"] and "7 or fewer" in about["Disclosure"]
    assert about["Source"].startswith("gpqi, Test programme")
    assert list(csv_records(response.content)[0])[:3] == ["Practice", "Rank", "Value"]
    xlsx = client.get(url + "xlsx")
    assert xlsx["Content-Disposition"] == 'attachment; filename="hyp-bp-79_league_2025-12-31.xlsx"'
    wb = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert wb.sheetnames == ["league", "About"]
    assert next(wb["league"].iter_rows(values_only=True))[:2] == ("Practice", "Rank")
    sheet = {r[0]: r[1] for r in wb["About"].iter_rows(values_only=True)}
    assert sheet == about


def test_practice_downloads_are_named_for_the_practice(login, programme):
    client = login("clinician")
    response = client.get(f"/practices/{programme.own}/?download=overview-cardiovascular&format=csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="{programme.own}_overview-cardiovascular_2025-12-31.csv"'
    )
    about = csv_about(response.content)
    assert about["Scope"].startswith(programme.own) is False and f"({programme.own})" in about["Scope"]
    assert "own counts are exact" in about["Disclosure"]
    analyst = login("analyst").get("/indicators/hyp-bp-79/?download=league-table&format=csv")
    assert "not rounded" in csv_about(analyst.content)["Disclosure"]


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("svg", b"<svg")])
def test_chart_downloads(login, fmt, magic):
    client = login("clinician")
    url = reverse("dashboard:indicator", args=["hyp-bp-79"]) + f"?download=funnel&format={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="hyp-bp-79_funnel_2025-12-31.{fmt}"'
    assert response.content.lstrip()[: len(magic)] == magic
    if fmt == "svg":  # the title and the source line are drawn on the chart
        text = response.content.decode()
        assert "Funnel plot at December 2025" in text and "Test programme" in text


def test_network_page_sums_visible_practices(login, programme):
    from gpqi.web.governance.models import Practice

    client = login("networklead")
    response = client.get(reverse("dashboard:networks") + "?indicator=hyp-bp-79&download=networks&format=csv")
    assert response.status_code == 200
    body = {r["Code"]: r for r in csv_records(response.content)}
    members = list(Practice.objects.filter(network__code=programme.network).values_list("code", flat=True))
    visible = [m for m in members if m not in (programme.suspended, programme.no_agreement)]
    path = programme.root / "results" / "results.parquet"
    num, den = duckdb.execute(
        "SELECT sum(numerator), sum(denominator) FROM read_parquet(?) WHERE org_type='practice' AND indicator_id='hyp-bp-79' "
        "AND reporting_date = (SELECT max(reporting_date) FROM read_parquet(?)) AND list_contains(?, org_code)",
        [str(path), str(path), visible],
    ).fetchone()
    row = body[programme.network]
    assert int(row["Numerator"]) == num
    assert int(row["Denominator"]) == den


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
