"""One verdict for everyone, over HTTP: the same practice gets the same funnel flag, league-table
rank and flag, SPC variation and assurance, and campaign status and rank, whoever is looking
(each verdict is computed once on the raw counts by gpqi.access)."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.conftest import ROLES
from tests.web.downloads import csv_records

LOOKERS = [r for r in ROLES if r != "iglead"] + ["iglead"]


def _csv(client, url: str) -> list[dict[str, str]]:  # noqa: ANN001
    response = client.get(url)
    assert response.status_code == 200, url
    return csv_records(response.content)


def _codes():  # noqa: ANN202
    from gpqi.web.governance.models import Practice

    out = {}
    for p in Practice.objects.all():
        out[p.name] = p.code
        out[p.pseudonym] = p.code
    return out


@pytest.mark.parametrize("indicator", ["pulse-check-65", "dna-all"])
def test_funnel_and_league_say_the_same_to_everyone(login, programme, indicator):
    codes = _codes()
    league: dict[str, set] = {}
    funnel: dict[str, set] = {}
    for username in LOOKERS:
        client = login(username)
        url = f"/indicators/{indicator}/"
        for row in _csv(client, f"{url}?download=league-table&format=csv"):
            league.setdefault(codes[row["Practice"]], set()).add((row["Rank"], row["Funnel (99.8%)"]))
        page = client.get(url).content.decode()
        spec = json.loads(re.search(r'id="spec-funnel">(.*?)</script>', page, re.S).group(1))
        for layer in spec["layer"]:
            for r in layer.get("data", {}).get("values", []):
                if r.get("label") in codes and "outlier_998" in r:
                    flag = {"high": "Above", "low": "Below"}.get(r["outlier_998"], "Within")
                    funnel.setdefault(codes[r["label"]], set()).add(flag)
    assert len(league) >= 8
    for code, seen in league.items():
        assert len(seen) == 1, (code, seen)  # the same rank and flag for every role
        ((_, flag),) = seen
        assert funnel.get(code, {flag}) == {flag}, (code, funnel.get(code), flag)  # the chart agrees


def test_spc_verdict_of_a_practice_is_the_same_for_everyone_who_sees_it(login, programme):
    verdicts: dict[str, set] = {}
    for username in ("clinician", "manager", "networklead", "analyst", "admin"):
        client = login(username)
        for domain in ("cardiovascular", "diabetes", "operational"):
            for row in _csv(client, f"/practices/{programme.own}/?download=overview-{domain}&format=csv"):
                verdicts.setdefault(row["Indicator"], set()).add((row["Variation (SPC)"], row["Assurance"]))
    assert len(verdicts) >= 3 and all(len(v) == 1 for v in verdicts.values()), verdicts


def test_campaign_status_and_rank_are_the_same_for_everyone(login, programme, campaign):
    codes = _codes()
    url = f"/campaigns/{campaign.campaign.pk}/"
    status: dict[str, set] = {}
    behind_by_week: set = set()
    for username in LOOKERS:
        client = login(username)
        for row in _csv(client, f"{url}?download=ranking&format=csv"):
            if row["Uptake"]:  # shown to this user
                status.setdefault(codes[row["Practice"]], set()).add((row["Rank"], row["Status"]))
        weeks = _csv(client, f"{url}?download=programme-by-week&format=csv")
        behind_by_week.add(tuple(r["Practices behind"] for r in weeks))
    assert len(behind_by_week) == 1, behind_by_week
    assert len(status) >= 6 and all(len(v) == 1 for v in status.values()), status
