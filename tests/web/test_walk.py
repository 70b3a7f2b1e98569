"""Every page and download the dashboard links answers, for every role: a small demo built by the
real pipeline (`gpqi.programmes.demo` at a fraction of its size: synth -> ingest -> engine, every
library indicator, monthly from January 2023 with 29 February 2024, a weekly flu campaign), its
logins, and a walk from the home page through every link, plus every library indicator at the
first, the leap-day and the last reporting date against several comparison dates. Any 5xx fails.

Table downloads are fetched wherever they are linked; chart images (PNG/SVG, rendered server
side) once per chart and role, since every one is the same renderer over a spec the page test
already checked.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import deque
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from gpqi.indicators import load_library
from gpqi.programmes.demo import DemoConfig, build_data

SMALL = DemoConfig(
    practices=6,
    patients=6 * 1_500,
    start=dt.date(2023, 1, 1),
    end=dt.date(2026, 3, 31),
    networks=2,
    sub_icbs=1,
    programme_networks=1,
    programme_start=dt.date(2024, 4, 1),
)
FIRST, LEAP, LAST = dt.date(2023, 1, 31), dt.date(2024, 2, 29), dt.date(2026, 3, 31)
DATE_PAIRS = ((LEAP, FIRST),)  # every role; the default page is the last date against five years before
CENTRAL_AND_PRACTICE = ("analyst", "clinician")  # the two views of the counts: raw and disclosed
MORE_PAIRS = ((FIRST, LAST), (LAST, LEAP), (LEAP, LAST))
HREF = re.compile(r'href="([^"#]*)')
SKIP = ("/static/", "/admin/", "/accounts/logout", "/accounts/password")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("walk") / "ws"
    build_data(root, lambda message: None, SMALL)
    return root


def _links(body: str) -> list[str]:
    out = []
    for href in HREF.findall(body):
        href = html.unescape(href)
        if href.startswith("/") and not href.startswith(SKIP):
            out.append(href)
    return out


def _key(url: str) -> tuple:
    """What makes a fetch new: a page by its address; a CSV download once per page and table;
    other downloads (XLSX, PNG, SVG: one renderer each over data the CSV already walked) once
    per table or chart."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "download" in query:
        fmt = query.get("format", ["csv"])[0]
        name = query["download"][0]
        return ("download", parts.path, name) if fmt == "csv" else ("download", name, fmt)
    return ("page", url)


def _variant(url: str) -> bool:
    """An indicator page at a chosen date, comparison, focus or league page: fetched, but its
    links are the default page's with the same choices, so they are not walked again."""
    query = parse_qs(urlsplit(url).query)
    return url.startswith("/indicators/") and bool({"date", "compare", "league_page", "focus"} & set(query))


def _walk(client, seeds: list[str]) -> tuple[int, list[tuple[int, str]]]:  # noqa: ANN001
    """Fetch the seeds and every page and download linked from them (each `_key` once)."""
    seen: set[tuple] = set()
    queue = deque(seeds)
    failures: list[tuple[int, str]] = []
    while queue:
        url = queue.popleft()
        key = _key(url)
        if key in seen:
            continue
        seen.add(key)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((response.status_code, url))
            continue
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            assert "Traceback" not in body, url
            if not _variant(url):
                queue.extend(link for link in _links(body) if _key(link) not in seen)
    return len(seen), failures


def test_every_page_and_download_answers_for_every_role(client, db, settings, demo_root):
    from django.contrib.auth.models import User

    from gpqi.programmes.demo_accounts import setup_governance
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = demo_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    logins = setup_governance(open_workspace(demo_root))
    assert "programmelead" in {login.username for login in logins}  # a login inside the programme
    indicators = [ind.id for ind in load_library()]
    client.raise_request_exception = False
    walked, failures = 0, []
    for login in logins:
        client.logout()
        client.force_login(User.objects.get(username=login.username))
        seeds = ["/", "/indicators/", "/practices/", "/networks/", "/campaigns/", "/operational/"]
        for ind in indicators:
            for date, compare in DATE_PAIRS:
                seeds.append(f"/indicators/{ind}/?date={date}&compare={compare}")
                seeds.append(
                    f"/indicators/{ind}/?date={date}&compare={compare}&download=league-table&format=csv"
                )
        count, failed = _walk(client, seeds)
        walked += count
        failures += [(login.username, status, url) for status, url in failed]
    assert not failures, failures[:20]
    assert walked > len(logins) * len(indicators) * (1 + len(DATE_PAIRS))


def test_every_library_indicator_has_patients_in_the_demo(demo_root):
    from gpqi.access.results import ResultsStore
    from gpqi.workspace import open_workspace

    store = ResultsStore(open_workspace(demo_root))
    latest = store.all_at_date(store.latest_date())
    counted = latest[latest["denominator"] > 0]["indicator_id"].unique()
    assert sorted(set(ind.id for ind in load_library()) - set(counted)) == []


def test_error_pages_use_the_layout_and_never_show_a_traceback(client, db, settings, demo_root):
    from django.contrib.auth.models import User

    from gpqi.programmes.demo_accounts import setup_governance
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = demo_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    setup_governance(open_workspace(demo_root))
    client.force_login(User.objects.get(username="clinician"))
    missing = client.get("/indicators/no-such-indicator/")
    assert missing.status_code == 404
    body = missing.content.decode()
    assert "Page not found" in body and "No such indicator" in body and "nhsuk-header" in body
    assert 'href="/"' in body  # where to go next
    forbidden = client.get("/audit/")
    assert forbidden.status_code == 403 and "You do not have access" in forbidden.content.decode()
    assert "nhsuk-header" in forbidden.content.decode()
    bad_date = client.get("/indicators/dm-bp/?date=2024-02-30")
    assert bad_date.status_code == 404 and "Traceback" not in bad_date.content.decode()


def test_a_server_error_is_a_page_in_the_layout_without_details(client, db, settings, demo_root):
    from django.contrib.auth.models import User

    from gpqi.programmes.demo_accounts import setup_governance
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = demo_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.web.error_urls"
    setup_governance(open_workspace(demo_root))
    client.force_login(User.objects.get(username="clinician"))
    client.raise_request_exception = False
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in body and "nhsuk-header" in body
    assert "9434765919" not in body and "RuntimeError" not in body and "Traceback" not in body
