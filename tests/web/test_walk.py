"""Every page and download the dashboard links answers, for every role: a small demo built by the
real pipeline (`gpqi.programmes.demo` at a fraction of its size: synth -> ingest -> engine, every
library indicator, monthly from January 2023 with 29 February 2024, a weekly flu campaign), its
logins, and a walk from the home page through every link, plus every library indicator at the
first, the leap-day and the last reporting date against several comparison dates. Any 5xx fails.

Every role fetches every page. Downloads are fetched once per view of the data: logins whose
access is the same (the clinician and the practice manager of one practice; the analyst, IG lead
and administrator, who all see the central raw counts) get the same bytes from the same view, so
the second fetches them again only to re-render identical files. Table downloads (CSV) are
fetched once per page and table; XLSX, PNG and SVG (one renderer each over data the CSV already
walked) once per table or chart.
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
MORE_PAIRS = ((FIRST, LAST), (LAST, LEAP))  # for those two: the first date, and leap day as comparison
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


def _walk(client, seeds: list[str], downloads: set[tuple]) -> tuple[int, list[tuple[int, str]]]:  # noqa: ANN001
    """Fetch the seeds and every page and download linked from them (each `_key` once; the
    downloads already fetched for the same view of the data, in `downloads`, are not)."""
    seen: set[tuple] = set()
    queue = deque(seeds)
    failures: list[tuple[int, str]] = []
    while queue:
        url = queue.popleft()
        key = _key(url)
        if key in seen or key in downloads:
            continue
        seen.add(key)
        if key[0] == "download":
            downloads.add(key)
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


def _view(user) -> tuple:  # noqa: ANN001
    """What decides the data a login's downloads hold: its access (practices, agreements)."""
    from gpqi.web.permissions import build_access

    a = build_access(user)
    return (a.is_central, a.own, a.shared, a.identifiable, a.direct_care, a.home_practice, a.home_network)


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
    downloads: dict[tuple, set[tuple]] = {}  # per view of the data: the downloads fetched
    for login in logins:
        user = User.objects.get(username=login.username)
        client.logout()
        client.force_login(user)
        seeds = ["/", "/indicators/", "/practices/", "/networks/", "/campaigns/", "/operational/"]
        # the first and last dates as the reporting date too, for the raw and the disclosed view
        pairs = DATE_PAIRS + (MORE_PAIRS if login.username in CENTRAL_AND_PRACTICE else ())
        for ind in indicators:
            for date, compare in pairs:
                seeds.append(f"/indicators/{ind}/?date={date}&compare={compare}")
                seeds.append(
                    f"/indicators/{ind}/?date={date}&compare={compare}&download=league-table&format=csv"
                )
        count, failed = _walk(client, seeds, downloads.setdefault(_view(user), set()))
        walked += count
        failures += [(login.username, status, url) for status, url in failed]
    assert not failures, failures[:20]
    assert walked > len(logins) * len(indicators) * (1 + len(DATE_PAIRS))
    assert len(downloads) < len(logins)  # some logins share a view (so the sharing is exercised)


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


def test_the_demo_campaign_trajectory_is_front_loaded_like_its_seasons(demo_root):
    """The campaign's trajectory takes the shape of the demo's earlier flu seasons: most of the
    season's uptake by the end of December, little by the end of September (a straight line
    from 1 September to 28 February would be at 67% of the target on 31 December)."""
    from gpqi.access.trajectory import expected, season_shape
    from gpqi.workspace import open_workspace

    start, reach_by = dt.date(2025, 9, 1), dt.date(2026, 2, 28)
    shape = season_shape(open_workspace(demo_root), "flu-65", start, reach_by)
    assert shape.seasons >= 2  # 2023/24 and 2024/25 are complete in the small demo
    assert expected(dt.date(2025, 9, 30), start, reach_by, 1.0, shape) < 0.3
    assert expected(dt.date(2025, 12, 31), start, reach_by, 1.0, shape) > 0.8


def test_lead_time_pages_say_which_appointments_have_no_booking_time(client, db, settings, demo_root):
    """The demo's EMIS practice has appointment slots without a booking time: a lead-time
    indicator's page names the practice and how many it leaves out (exact for the central team,
    disclosed for a practice user), and the data-quality page lists it with its format."""
    import json

    import pyarrow.parquet as pq
    from django.contrib.auth.models import User

    from gpqi.programmes.demo_accounts import setup_governance
    from gpqi.workspace import open_workspace

    ws = open_workspace(demo_root)
    unknown = json.loads((ws.current_snapshot() / "report.json").read_text())["booking_time_unknown"]
    assert unknown, "the demo's EMIS practice should have appointments without a booking time"
    names = {
        p["practice_code"]: p["name"]
        for p in pq.read_table(ws.current_snapshot() / "practices" / "practices.parquet").to_pylist()
    }
    lead_time = [ind.id for ind in load_library() if ind.id.startswith("dna-lead-")]
    assert lead_time
    settings.WORKSPACE = demo_root
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    setup_governance(ws)

    client.force_login(User.objects.get(username="analyst"))
    page = html.unescape(client.get(f"/indicators/{lead_time[0]}/").content.decode())
    box = page[page.index('id="booking-time-unknown"') :]
    box = box[: box.index("</div>")]
    for code, n in unknown.items():
        assert f"{names[code]}: {n:,} appointments" in box, box
    quality = html.unescape(client.get("/data-quality/").content.decode())
    for code, n in unknown.items():
        assert code in quality and f"{n:,}" in quality
    not_lead_time = html.unescape(client.get("/indicators/dna-channel-online/").content.decode())
    assert 'id="booking-time-unknown"' not in not_lead_time

    client.force_login(User.objects.get(username="clinician"))
    page = html.unescape(client.get(f"/indicators/{lead_time[0]}/").content.decode())
    box = page[page.index('id="booking-time-unknown"') :]
    box = box[: box.index("</div>")]
    shown = [int(x.replace(",", "")) for x in re.findall(r": ([\d,]+) appointments", box)]
    # the EMIS practice is a peer of the clinician's: its count as disclosed (to the nearest 5)
    assert sorted(shown) == sorted(5 * round(n / 5) for n in unknown.values()), box
