"""Campaigns: the model's validation, the campaign page per role (names, pseudonyms, disclosure,
agreements), its downloads, the tip form, the home panel, the trajectory rule, and the
`gpqi campaign` commands. Figures are checked against the counts the fixture wrote
(tests/web/campaign_data.py), worked out here independently."""

from __future__ import annotations

import datetime as dt
import html
import json

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from tests.web import campaign_data as cd
from tests.web.downloads import csv_about, csv_records
from tests.web.text import mentions


def _csv(client, url: str, name: str) -> list[dict[str, str]]:
    response = client.get(f"{url}?download={name}&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return csv_records(response.content)


def _url(campaign) -> str:  # noqa: ANN001
    return f"/campaigns/{campaign.campaign.pk}/"


def test_trajectory_rule():
    from gpqi.access.trajectory import expected

    start, reach = dt.date(2025, 10, 1), dt.date(2025, 12, 31)
    assert expected(dt.date(2025, 9, 20), start, reach, 0.75) == 0
    assert expected(start, start, reach, 0.75) == 0
    assert expected(dt.date(2025, 11, 15), start, reach, 0.75) == pytest.approx(0.75 * 45 / 91)
    assert expected(reach, start, reach, 0.75) == 0.75
    assert expected(dt.date(2026, 2, 1), start, reach, 0.75) == 0.75
    with pytest.raises(ValueError, match="reach_by"):
        expected(start, start, start, 0.75)


def test_campaign_validation_names_the_field(db):
    from gpqi.web.campaigns.models import Campaign

    bad = Campaign(
        name="x",
        indicator_id="no-such-indicator",
        series="Bad Series",
        start=dt.date(2025, 10, 1),
        end=dt.date(2025, 9, 1),
        target=1.5,
        target_date=dt.date(2027, 1, 1),
    )
    with pytest.raises(ValidationError) as info:
        bad.full_clean()
    errors = info.value.message_dict
    assert "No indicator 'no-such-indicator'" in errors["indicator_id"][0]
    assert "lower-case" in errors["series"][0]
    assert "after the start" in errors["end"][0]
    assert "less than or equal to 1.0" in errors["target"][0]


def test_page_as_clinician_names_pseudonyms_and_disclosure(login, programme, campaign):
    from gpqi.web.governance.models import Practice

    client = login("clinician")
    response = client.get(_url(campaign))
    assert response.status_code == 200
    page = response.content.decode()
    own = Practice.objects.get(code=programme.own)
    named = Practice.objects.get(code=programme.named_peer)
    anon = Practice.objects.get(code=programme.anonymous_peer)
    suspended = Practice.objects.get(code=programme.suspended)
    no_agreement = Practice.objects.get(code=programme.no_agreement)
    ranking = _csv(client, _url(campaign), "ranking")
    labels = [r["Practice"] for r in ranking]
    assert own.name in labels and named.name in labels and anon.pseudonym in labels
    for p in (suspended, no_agreement):
        assert not mentions(page, p.name) and not mentions(page, p.pseudonym) and p.pseudonym not in labels
    others = [p for p in Practice.objects.exclude(code__in=[own.code, named.code]) if mentions(page, p.name)]
    assert not others, [p.code for p in others]
    # the own practice's counts are exact; everyone else's are disclosed
    frame = campaign.counts
    last = frame[frame["reporting_date"] == cd.WEEKS[-1]].set_index("org_code")
    mine = next(r for r in ranking if r["Practice"] == own.name)
    assert int(mine["Vaccinated"]) == last.loc[own.code, "numerator"]
    assert int(mine["Eligible"]) == last.loc[own.code, "denominator"]
    assert mine["Status"] == "Behind"
    for row in ranking:
        if row["Practice"] == own.name:
            continue
        for col in ("Vaccinated", "Eligible"):
            assert row[col] == "" or (int(row[col]) % 5 == 0 and int(row[col]) > 7), row
    anon_row = next(r for r in ranking if r["Practice"] == anon.pseudonym)
    assert anon_row["Uptake"] == "" and anon_row["Rank"] == "" and anon_row["Status"].startswith("Suppressed")
    # behind: exactly the ranked practices below their trajectory
    behind = {r["Practice"] for r in _csv(client, _url(campaign), "behind")}
    assert own.name in behind and named.name not in behind
    expected_now = cd.TARGET * (cd.WEEKS[-1] - cd.START).days / (cd.REACH_BY - cd.START).days
    assert behind == {r["Practice"] for r in ranking if r["Uptake"] and float(r["Uptake"]) < expected_now}
    # the programme total shown outside the central team: the own practice's raw count plus the
    # others' disclosed, so subtracting what the clinician knows leaves a disclosed figure
    programme_rows = _csv(client, _url(campaign), "programme-by-week")
    assert len(programme_rows) == len(cd.WEEKS)
    for row, week in zip(programme_rows, cd.WEEKS, strict=True):
        own_week = frame[(frame["reporting_date"] == week) & (frame["org_code"] == own.code)]
        rest = int(row["Vaccinated"]) - int(own_week["numerator"].iloc[0])
        assert rest % 5 == 0 and rest > 7, row
    assert float(programme_rows[-1]["Trajectory"]) == pytest.approx(expected_now, abs=1e-6)


def test_page_as_analyst_exact_programme_total(login, programme, campaign):
    client = login("analyst")
    # the test programme has no earlier flu season: the page says its trajectory is a straight line
    page = html.unescape(client.get(_url(campaign)).content.decode())
    assert "to take the season's shape from, it is a straight line" in page
    frame = campaign.counts
    shared = frame[~frame["org_code"].isin([programme.suspended, programme.no_agreement])]
    totals = shared.groupby("reporting_date")[["numerator", "denominator"]].sum()
    rows = _csv(client, _url(campaign), "programme-by-week")
    for row, week in zip(rows, cd.WEEKS, strict=True):
        assert row["Week ending"] == week.isoformat()
        assert int(row["Vaccinated"]) == totals.loc[week, "numerator"]
        assert int(row["Eligible"]) == totals.loc[week, "denominator"]
        assert float(row["Uptake"]) == pytest.approx(
            totals.loc[week, "numerator"] / totals.loc[week, "denominator"]
        )
    ranking = _csv(client, _url(campaign), "ranking")
    ranked = [r for r in ranking if r["Rank"]]
    values = [float(r["Uptake"]) for r in ranked]
    assert values == sorted(values, reverse=True) and ranked[0]["Rank"] == "1"
    weekly = _csv(client, _url(campaign), "weekly-uptake")
    assert len(weekly) == len(shared["org_code"].unique()) and len(weekly[0]) == 1 + len(cd.WEEKS)


def test_downloads_and_draft_visibility(login, campaign):
    client = login("networklead")
    url = _url(campaign)
    csv = client.get(url + "?download=ranking&format=csv")
    last = cd.WEEKS[-1].isoformat()
    assert csv["Content-Disposition"] == (
        f'attachment; filename="campaign-{campaign.campaign.pk}_{campaign.campaign.indicator_id}_ranking_{last}.csv"'
    )
    about = csv_about(csv.content)
    assert about["Reporting date"] == last and campaign.campaign.name in about["Scope"]
    assert "rounded to the nearest 5" in about["Disclosure"]
    assert client.get(url + "?download=ranking&format=xlsx")["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    png = client.get(url + "?download=uptake-chart&format=png")
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
    assert b"<svg" in client.get(url + "?download=uptake-chart&format=svg").content[:500]
    assert client.get(url + "?download=nothing&format=csv").status_code == 404
    draft = f"/campaigns/{campaign.draft.pk}/"
    assert client.get(draft).status_code == 404
    assert "Draft campaign" not in client.get("/campaigns/").content.decode()
    analyst = login("analyst")
    assert analyst.get(draft).status_code == 200
    assert "Draft campaign" in analyst.get("/campaigns/").content.decode()
    admin = login("admin")  # the admin pages: list, change form with its practice-target inline
    assert "Draft campaign" in admin.get("/admin/campaigns/campaign/").content.decode()
    change = admin.get(f"/admin/campaigns/campaign/{campaign.campaign.pk}/change/")
    assert change.status_code == 200 and "practice_targets-TOTAL_FORMS" in change.content.decode()


def test_page_without_series_explains(login, campaign):
    from tests.web.campaign_data import create_campaign

    other = create_campaign(name="Not run yet", series="not-run-yet")
    page = login("clinician").get(f"/campaigns/{other.pk}/").content.decode()
    assert "has not been computed yet" in page and "gpqi run --indicators flu-65 --series not-run-yet" in page


def test_tip_form_editors_and_audit(login, campaign):
    from gpqi.web.campaigns.models import Campaign

    url = f"/campaigns/{campaign.campaign.pk}/tip/"
    for username in ("clinician", "manager", "facilitator", "iglead"):
        client = login(username)
        assert client.get(url).status_code == 404
        assert client.post(url, {"tip": "hijacked"}).status_code == 404
    assert Campaign.objects.get(pk=campaign.campaign.pk).tip != "hijacked"
    client = login("networklead")
    assert client.get(url).status_code == 200
    too_long = client.post(url, {"tip": "x" * 1001})
    assert too_long.status_code == 200 and "at most 1000 characters" in too_long.content.decode()
    response = client.post(url, {"tip": "  Open a Saturday clinic.  "})
    assert response.status_code == 302
    saved = Campaign.objects.get(pk=campaign.campaign.pk)
    assert saved.tip == "Open a Saturday clinic." and saved.tip_updated_by.username == "networklead"
    assert "Open a Saturday clinic." in client.get(_url(campaign)).content.decode()


def test_home_panel_shows_own_position(login, programme, campaign):
    from django.test import RequestFactory

    from gpqi.web.campaigns.panel import campaign_panel
    from gpqi.web.governance.models import Practice
    from gpqi.web.permissions import access_for
    from gpqi.workspace import open_workspace

    client = login("manager")
    request = RequestFactory().get("/")
    request.user = client.session and __import__("django.contrib.auth", fromlist=["get_user"]).get_user(
        client
    )
    items = campaign_panel(access_for(request), open_workspace(programme.root))
    assert [i.name for i in items] == ["Flu 2025/26: 65 and over"]
    own = Practice.objects.get(code=programme.own)
    text = " ".join(items[0].lines)
    last = campaign.counts[
        (campaign.counts["reporting_date"] == cd.WEEKS[-1]) & (campaign.counts["org_code"] == own.code)
    ].iloc[0]
    assert f"{own.name}: {last.numerator / last.denominator:.1%}" in text and "behind the trajectory" in text
    page = client.get("/").content.decode()
    assert "Flu 2025/26: 65 and over" in page and own.name in page


# --- the CLI -------------------------------------------------------------------------------------

CAMPAIGN_YAML = """
name: Flu from a file
indicator: flu-65
series: campaign-test
start: 2025-10-01
end: 2026-03-31
target: 0.75
target_date: 2025-12-31
status: active
practice_targets: {PRACTICE: 0.6}
recipients: [networklead]
"""


def _cli(*args: str):  # noqa: ANN202
    from typer.testing import CliRunner

    from gpqi.cli import app

    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def test_cli_create_list_status(programme, campaign, tmp_path):
    from gpqi.web.campaigns.models import Campaign

    good = tmp_path / "flu.yaml"
    good.write_text(CAMPAIGN_YAML.replace("PRACTICE", programme.own))
    result = _cli("campaign", "create", str(good), "-w", str(programme.root))
    assert result.exit_code == 0, result.output
    created = Campaign.objects.get(name="Flu from a file")
    assert created.overrides() == {programme.own: 0.6}
    assert [u.username for u in created.recipients.all()] == ["networklead"]
    listed = _cli("campaign", "list", "-w", str(programme.root))
    assert "Flu from a file" in listed.output and "campaign-test" in listed.output
    status = _cli("campaign", "status", str(created.pk), "-w", str(programme.root), "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert [w["week"] for w in data["weeks"]] == [w.isoformat() for w in cd.WEEKS]
    frame = campaign.counts
    shared = frame[~frame["org_code"].isin([programme.suspended, programme.no_agreement])]
    last = shared[shared["reporting_date"] == cd.WEEKS[-1]]
    assert data["weeks"][-1]["numerator"] == last["numerator"].sum()
    # the own practice's override (60%) moves its trajectory down
    assert programme.own in [b["practice"] for b in data["behind"]]
    table = _cli("campaign", "status", "--all", "-w", str(programme.root))
    assert (
        table.exit_code == 0
        and "practices behind" in table.output
        and "Behind the trajectory" in table.output
    )


def test_cli_status_names_at_most_a_few_behind(programme, campaign, monkeypatch):
    """At national scale thousands can be behind: the terminal names the first few, --json all."""
    from gpqi.web.campaigns import cli

    monkeypatch.setattr(cli, "BEHIND_LISTED", 1)
    pk = str(campaign.campaign.pk)
    every = json.loads(_cli("campaign", "status", pk, "-w", str(programme.root), "--json").output)["behind"]
    assert len(every) >= 2
    out = _cli("campaign", "status", pk, "-w", str(programme.root)).output
    assert mentions(out, every[0]["name"]) and not mentions(out, every[1]["name"])
    assert f"and {len(every) - 1:,} more (--json lists all)" in out


BAD_FILES = [
    (("target: 0.75", "target: 75"), "target: Input should be less than or equal to 1"),
    (("indicator: flu-65", "indicator: flu-99"), "indicator: No indicator 'flu-99'"),
    (("end: 2026-03-31", "end: 2025-09-01"), "end: The end date must be after the start date"),
    (("recipients: [networklead]", "recipients: [nobody]"), "recipients: unknown user nobody"),
    (("status: active", "status: running"), "status: Input should be 'draft', 'active' or 'closed'"),
    (("series: campaign-test", "series: Campaign Test"), "series: String should match pattern"),
    (
        ("name: Flu from a file", "name: 'Flu 2025/26: 65 and over'"),
        "name: Campaign with this Name already exists",
    ),
]


def test_cli_create_bad_file_names_the_field(programme, campaign, tmp_path):
    from gpqi.web.campaigns.models import Campaign

    before = Campaign.objects.count()
    for change, message in BAD_FILES:  # one database set-up for all the cases
        bad = tmp_path / "bad.yaml"
        bad.write_text(CAMPAIGN_YAML.replace("PRACTICE", programme.own).replace(*change))
        result = _cli("campaign", "create", str(bad), "-w", str(programme.root))
        assert result.exit_code == 2, (change, result.output)
        assert str(bad) in result.output and message in " ".join(result.output.split()), result.output
        assert Campaign.objects.count() == before


def test_tables_and_chart_at_national_scale():
    """Thousands of practices: the chart draws a percentile band and the user's own lines, not a
    line per practice; the page holds the first rows and the own ones, the downloads all."""
    from gpqi.access.campaigns import CampaignProgress, Standing, Week
    from gpqi.reports.campaign import CHART_LINES_LIMIT, chart_spec
    from gpqi.web.campaigns import tables

    weeks = cd.WEEKS[:4]
    n = CHART_LINES_LIMIT + 50
    practices = []
    for i in range(n):
        weekly = [None if i % 10 == 0 else (i % 97) / 100 * (j + 1) / 4 for j in range(len(weeks))]
        practices.append(
            Standing(
                code=f"P{i:04d}",
                label=f"Practice {i}",
                own=i == n - 1,
                named=i == n - 1,
                target=0.75,
                numerator=None if weekly[-1] is None else 100 * weekly[-1],
                denominator=None if weekly[-1] is None else 100.0,
                value=weekly[-1],
                expected=0.3,
                weekly=weekly,
            )
        )
    progress = CampaignProgress(
        campaign_id=1,
        name="x",
        indicator_id="flu-65",
        higher_is_better=True,
        target=0.75,
        reach_by=cd.REACH_BY,
        weeks=weeks,
        programme=[Week(w, 10.0, 100.0, 0.1, 0.2) for w in weeks],
        practices=practices,
        programme_disclosed=True,
    )
    spec = chart_spec(progress)
    band = spec["layer"][0]["data"]["values"]
    for j, row in enumerate(band):
        column = [s.weekly[j] for s in practices if s.weekly[j] is not None]
        assert (row["low"], row["median"], row["high"]) == pytest.approx(
            tuple(np.percentile(column, [10, 50, 90]))
        )
    drawn = {r["label"] for layer in spec["layer"] for r in layer["data"]["values"] if "label" in r}
    assert drawn == {f"Practice {n - 1}"}
    ranking = tables.ranking_table(progress)
    shown = ranking.display_rows()
    assert len(shown) == ranking.display_limit + 1 and shown[-1]["practice"] == f"Practice {n - 1}"
    assert ranking.row_count() == n and len(ranking.all_rows()) == n
    weekly = tables.weekly_table(progress)
    assert len(weekly.all_rows()) == n and len(weekly.display_rows()) <= weekly.display_limit + 1


def test_progress_memo_is_shared_only_within_a_scope(programme, campaign):
    """Users with the same scope share one memoised progress; another scope never gets it; a
    change of agreement (naming withdrawn) is seen at once."""
    from django.contrib.auth.models import User

    from gpqi.access.campaigns import progress_for
    from gpqi.web.governance.models import Agreement, Practice
    from gpqi.web.permissions import build_access
    from gpqi.workspace import open_workspace

    ws = open_workspace(programme.root)

    def progress(username: str):  # noqa: ANN202
        return progress_for(campaign.campaign.spec(), build_access(User.objects.get(username=username)), ws)

    clinician, manager = progress("clinician"), progress("manager")
    assert clinician is manager  # one practice's staff: one entry
    facilitator = progress("facilitator")
    assert facilitator is not clinician
    assert {s.code for s in facilitator.own()} == set(programme.facilitated)
    analyst = progress("analyst")
    assert analyst is not clinician and not analyst.programme_disclosed and clinician.programme_disclosed
    named = Practice.objects.get(code=programme.named_peer)
    assert named.name in {s.label for s in clinician.practices}
    Agreement.objects.filter(practice=named).update(identifiable_comparison=False)
    Agreement.objects.filter(practice=named).first().save()  # bumps updated_at, as an edit would
    after = progress("clinician")
    labels = {s.label for s in after.practices}
    assert named.name not in labels and named.pseudonym in labels
