"""Walk every URL pattern in the URLconf (so a new URL is covered automatically) as every role,
with every download, and assert that nothing beyond the role's scope comes back: no name of a
practice that did not permit identifiable comparison (other than the user's own), nothing of a
practice without an agreement in force, no patient identifiers."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.web.conftest import ROLES
from tests.web.downloads import csv_records
from tests.web.text import mentions

# Django's admin is covered by test_admin_is_staff_only; logout would end the walk (POST only anyway)
SKIP_PREFIXES = ("admin/", "accounts/logout/")
ARGS = {"code": None, "indicator_id": "hyp-bp-79"}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    out = []
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            out.extend(_patterns(p, route))
        else:
            out.append((route, p))
    return out


def _urls(programme) -> list[str]:  # noqa: ANN001
    from gpqi.web.governance.models import Practice

    all_codes = list(Practice.objects.values_list("code", flat=True))
    networks = sorted(set(Practice.objects.values_list("network__code", flat=True)))
    urls = []
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(SKIP_PREFIXES):
            continue
        if "<str:code>" in route:
            values = all_codes + networks if route.startswith("practices") is False else all_codes
            for value in values:
                url = "/" + route.replace("<str:code>", value)
                urls.append(url.replace("<slug:indicator_id>", ARGS["indicator_id"]))
        elif "<int:pk>" in route and route.startswith("campaigns/"):
            from gpqi.web.campaigns.models import Campaign

            for pk in Campaign.objects.values_list("pk", flat=True):
                urls.append("/" + route.replace("<int:pk>", str(pk)))
        elif route.startswith("projects/") and "<int:pk>" in route:
            from gpqi.web.projects.models import Annotation, Project

            model = Annotation if route.startswith("projects/annotations/") else Project
            for obj in model.objects.all():
                url = "/" + route.replace("<int:pk>", str(obj.pk))
                cycle = obj.cycles.first() if model is Project else None
                if "<int:cycle>" in url and cycle is not None:
                    url = url.replace("<int:cycle>", str(cycle.pk))
                urls.append(url)
        elif "<" in route:
            urls.append("/" + re.sub(r"<slug:indicator_id>", ARGS["indicator_id"], route))
        else:
            urls.append("/" + route)
    return urls


def _downloads(content: bytes) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(r'href="([^"]*download=[^"]*)"', content.decode())]


def _forbidden_texts(programme, username: str) -> list[str]:  # noqa: ANN001
    """Strings that must not appear anywhere in a response for this user."""
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
        if p.code == programme.no_agreement or p.code == programme.suspended:
            if own is None or p.code not in own:
                out.append(p.pseudonym)  # absent from shared views, even by pseudonym
            if own is not None and p.code not in own:
                out.append(p.name)
            continue
        if own is not None and p.code not in own and p.code != programme.named_peer:
            out.append(p.name)
    return out


@pytest.mark.parametrize("username", ROLES)
def test_walk_every_url_as_every_role(login, programme, campaign, projects, username):
    client = login(username)
    forbidden = _forbidden_texts(programme, username)
    assert forbidden or username in ("analyst", "iglead", "admin")
    walked = 0
    for url in _urls(programme):
        response = client.get(url)
        # 403: pages whose existence is no secret but whose content is (/worklists/, /audit/);
        # 405: actions that take POST only (deleting an annotation)
        assert response.status_code in (200, 302, 403, 404, 405), (url, response.status_code)
        pages = [(url, response)]
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            for link in set(_downloads(response.content)):
                pages.append((link, client.get(link)))
        for where, r in pages:
            walked += 1
            body = r.content if r["Content-Type"].startswith(("text", "image/svg")) else b""
            if r["Content-Type"].startswith("application/vnd.openxml"):
                body = _xlsx_text(r.content)
            if r["Content-Type"] == "application/pdf":  # the meeting pack: its text as pdftotext reads it
                body = subprocess.run(
                    ["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True
                ).stdout
            text = body.decode("utf-8", "replace")
            for needle in forbidden:
                assert not mentions(text, needle), f"{username} sees {needle!r} at {where}"
            assert not re.search(r"\b999\d{7}\b", text), f"NHS-number-like text at {where}"
    assert walked > 20


def _xlsx_text(data: bytes) -> bytes:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    cells = [
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None
    ]
    return "\n".join(cells).encode()


def test_own_practice_always_named_and_peers_pseudonymised(login, programme):
    from gpqi.web.governance.models import Practice

    client = login("clinician")
    text = client.get("/indicators/hyp-bp-79/?download=league-table&format=csv").content.decode()
    own = Practice.objects.get(code=programme.own)
    anon = Practice.objects.get(code=programme.anonymous_peer)
    named = Practice.objects.get(code=programme.named_peer)
    assert own.name in text
    assert named.name in text
    assert mentions(text, anon.pseudonym) and not mentions(text, anon.name)


def test_peer_counts_are_disclosed(login, programme):
    """Counts of other practices are multiples of 5 above 7; the own practice's are exact."""
    client = login("clinician")
    rows = csv_records(client.get("/indicators/dna-all/?download=league-table&format=csv").content)
    own_name = (
        __import__("gpqi.web.governance.models", fromlist=["Practice"])
        .Practice.objects.get(code=programme.own)
        .name
    )
    assert rows
    for row in rows:
        if row["Practice"] == own_name:
            continue
        for col in ("Numerator", "Denominator"):
            if row[col]:
                assert int(row[col]) % 5 == 0 and int(row[col]) > 7, row


@pytest.mark.parametrize("username", ["clinician", "manager", "facilitator", "networklead"])
def test_other_practice_pages_are_not_found(login, programme, username):
    client = login(username)
    assert client.get(f"/practices/{programme.anonymous_peer}/").status_code == 404
    assert client.get(f"/practices/{programme.no_agreement}/").status_code == 404
    assert client.get(f"/indicators/hyp-bp-79/?focus={programme.anonymous_peer}").status_code == 404


@pytest.mark.parametrize("username", ["analyst", "clinician", "manager", "facilitator", "networklead"])
def test_admin_is_staff_only(login, username):
    response = login(username).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_anonymous_user_gets_nothing(client, programme, projects):
    from gpqi.web.governance.models import Practice

    names = list(Practice.objects.values_list("name", flat=True))
    for url in _urls(programme):
        response = client.get(url)
        if url in ("/accounts/login/", "/api/v1/openapi.json"):  # the login form; the API's description
            assert response.status_code == 200
            assert not any(n in response.content.decode() for n in names)
            continue
        if url.startswith("/api/"):  # the API answers 401 (with WWW-Authenticate), never a login redirect
            assert response.status_code in (401, 404), url
            continue
        assert response.status_code in (302, 404, 405), url
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
