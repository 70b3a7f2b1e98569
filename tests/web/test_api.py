"""The read-only API (/api/v1/): personal tokens (shown once, stored hashed, revocable) and the
access walk: every endpoint for every role, with the same rules as the pages (no patient data,
only disclosed counts of other practices, nothing of practices without an agreement)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import pytest
from django.urls import get_resolver

from tests.web.conftest import ROLES, SPECS
from tests.web.downloads import csv_records
from tests.web.text import mentions

PATIENT_FIELDS = ("nhs_number", "patient_id", "date_of_birth", "family_name", "given_name")


def _token(client, name: str = "script") -> str:  # noqa: ANN001
    page = client.post("/accounts/tokens/", {"name": name}).content.decode()
    return re.search(r'<code id="new-token">(gpqi_[\w-]+)</code>', page).group(1)


def _get(client, url: str, token: str | None):  # noqa: ANN001, ANN202
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, **headers)


def test_token_is_shown_once_stored_hashed_and_revocable(login, programme, client):
    from gpqi.web.api.models import ApiToken

    session = login("clinician")
    token = _token(session, "meeting sheet")
    stored = ApiToken.objects.get(name="meeting sheet")
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(ApiToken.objects.values()), default=str)  # only the hash is kept
    assert token not in session.get("/accounts/tokens/").content.decode()  # shown once
    session.logout()  # from here on the token alone
    assert _get(client, "/api/v1/", token).status_code == 200
    assert _get(client, "/api/v1/", None).status_code == 401
    assert _get(client, "/api/v1/", "gpqi_not-a-token").status_code == 401
    assert client.get("/api/v1/", HTTP_AUTHORIZATION=f"Basic {token}").status_code == 401
    assert client.post("/api/v1/indicators/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405
    session = login("clinician")
    assert session.post("/accounts/tokens/", {"revoke": stored.pk}).status_code == 302
    session.logout()
    response = _get(client, "/api/v1/indicators/", token)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    other = login("manager")
    assert other.post("/accounts/tokens/", {"revoke": stored.pk}).status_code == 404  # not theirs


def test_openapi_describes_every_endpoint(client, programme):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"] == "3.1.0" and doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    resolver = get_resolver()
    routes = []
    for p in resolver.url_patterns:
        if str(p.pattern) == "api/v1/":
            routes = [re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(q.pattern)) for q in p.url_patterns]
    documented = {path.lstrip("/") for path in doc["paths"]}
    assert routes and set(routes) - {"openapi.json"} == documented


def _forbidden(programme, username: str) -> list[str]:  # noqa: ANN001
    from gpqi.web.governance.models import Practice

    own = {
        "clinician": {programme.own},
        "manager": {programme.own},
        "facilitator": set(programme.facilitated),
        "networklead": set(
            Practice.objects.filter(network__code=programme.network).values_list("code", flat=True)
        ),
    }.get(username)
    out = []
    for p in Practice.objects.all():
        if p.code in (programme.no_agreement, programme.suspended):
            if own is None or p.code not in own:
                out += [p.pseudonym] + ([p.name] if own is not None else [])
        elif own is not None and p.code not in own and p.code != programme.named_peer:
            out.append(p.name)
    return out


def _walk(programme, campaign_pk: int) -> list[str]:  # noqa: ANN001
    from gpqi.web.governance.models import Practice

    urls = ["/api/v1/", "/api/v1/indicators/", "/api/v1/campaigns/", f"/api/v1/campaigns/{campaign_pk}/"]
    for spec in SPECS:
        urls += [f"/api/v1/indicators/{spec.id}/", f"/api/v1/indicators/{spec.id}/results/"]
        urls += [
            f"/api/v1/indicators/{spec.id}/results/?format=csv",
            f"/api/v1/indicators/{spec.id}/results/?method=wilson",
        ]
    for code in Practice.objects.values_list("code", flat=True):
        urls += [f"/api/v1/practices/{code}/summary/", f"/api/v1/practices/{code}/summary/?format=csv"]
    return urls + ["/api/v1/campaigns/?format=csv", f"/api/v1/campaigns/{campaign_pk}/?format=csv"]


def _own(programme, username: str) -> set[str]:  # noqa: ANN001
    from gpqi.web.governance.models import Practice

    every = set(Practice.objects.values_list("code", flat=True))
    return {
        "clinician": {programme.own},
        "manager": {programme.own},
        "facilitator": set(programme.facilitated),
        "networklead": set(
            Practice.objects.filter(network__code=programme.network).values_list("code", flat=True)
        ),
    }.get(username, every)


@pytest.mark.parametrize("username", ROLES)
def test_access_walk_every_endpoint_as_every_role(login, programme, campaign, client, username):
    session = login(username)
    token = _token(session)
    session.logout()
    forbidden = _forbidden(programme, username)
    own = _own(programme, username)
    shared_own = own - {programme.no_agreement, programme.suspended}
    central = username in ("analyst", "iglead", "admin")
    for url in _walk(programme, campaign.campaign.pk):
        response = _get(client, url, token)
        code = re.search(r"/practices/(\w+)/summary", url)
        if code and code.group(1) not in shared_own:
            assert response.status_code == 404, (username, url)  # another practice's summary: not there
            continue
        assert response.status_code == 200, (username, url, response.status_code, response.content[:200])
        text = response.content.decode()
        for needle in forbidden:
            assert not mentions(text, needle), f"{username} sees {needle!r} at {url}"
        assert not re.search(r"\b999\d{7}\b", text) and not any(f in text for f in PATIENT_FIELDS), url
        if "/results/" in url and "format=csv" not in url:
            data = json.loads(text)
            for row in data["practices"]:
                if row["own"]:
                    continue
                assert not central, row  # the central team owns every practice
                for k in ("numerator", "denominator"):
                    assert row[k] is None or (row[k] % 5 == 0 and row[k] > 7), (url, row)
                if row["code"] is not None:
                    assert row["code"] == programme.named_peer
        if "format=csv" in url:
            assert response["Content-Type"].startswith("text/csv")
            assert list(csv.DictReader(io.StringIO(text)))


def test_api_results_match_the_league_table(login, programme):
    """The API says what the page says: the same practices, counts, ranks and flags."""
    session = login("clinician")
    token = _token(session)
    page_rows = csv_records(session.get("/indicators/hyp-bp-79/?download=league-table&format=csv").content)
    api = session.get("/api/v1/indicators/hyp-bp-79/results/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    by_label = {r["practice"]: r for r in api["practices"]}
    assert page_rows
    for row in page_rows:
        r = by_label[row["Practice"]]
        assert str(r["rank"]) == row["Rank"]
        assert float(row["Numerator"]) == r["numerator"] and float(row["Denominator"]) == r["denominator"]
        assert {"high": "Above", "low": "Below"}.get(r["funnel_998"], "Within") == row["Funnel (99.8%)"]
