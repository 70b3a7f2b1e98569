"""Pages that fit: in Debian's Chromium (Playwright), every page a practice user reaches is opened
at a 1280-px laptop and a 390-px phone. At 1280 no table and no chart may pass the window's edge;
at 390 the page may not scroll sideways (a wide table scrolls inside its own box). axe-core
(WCAG 2.2 A/AA) stays clean at both widths. Screenshots of the main pages at both widths go to
test-artifacts/screenshots/latest/; `make screenshots` runs this test and copies them to
test-artifacts/screenshots/layout-*.png, which are committed (they show what a user sees)."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD
from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import PASSWORD as DC_PASSWORD
from tests.web.test_browser import SCREENSHOTS, _axe, browser  # noqa: F401  (the browser fixture)
from tests.web.test_worklists_browser import audit_cleanup  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1280, 390)
# Every page a clinician or practice manager reaches from the navigation and the pages' links;
# the ones named in SHOTS are kept as screenshots.
PRACTICE_PAGES = {
    "clinician": [
        ("home", "/"),
        ("practice", "/practices/{own}/"),
        ("indicators", "/indicators/"),
        ("indicator", "/indicators/pulse-check-65/"),
        ("indicator-network", "/indicators/hyp-bp-79/?focus=network:{network}"),
        ("networks", "/networks/"),
        ("network", "/networks/{network}/"),
        ("operational", "/operational/"),
        ("campaigns", "/campaigns/"),
        ("campaign", "/campaigns/{campaign}/"),
        ("about", "/about/"),
        ("password", "/accounts/password/"),
    ],
    "manager": [("home-manager", "/"), ("operational-dna", "/indicators/dna-all/")],
}
SHOTS = {"home", "practice", "indicator", "operational", "networks"}
SHOT_HEIGHT = {1280: 1600, 390: 2400}  # pixels of each page kept in its screenshot
LATEST = SCREENSHOTS / "latest"

# What passes the window: tables and charts past its right edge (at 1280), and how far the page
# itself scrolls sideways (at 390: tables inside their scroll box may be wider).
MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  document.querySelectorAll('table, .gpqi-chart, .gpqi-chart svg, .gpqi-table-scroll').forEach(el => {
    if (el.closest('details:not([open])')) return;  // folded away: not on the screen
    const box = el.closest('.gpqi-table-scroll');
    const r = el.getBoundingClientRect();
    const inBox = box && box !== el;
    if (!inBox && (r.right > vw + 1 || r.left < -1)) wide.push(`${el.tagName}#${el.id || el.className}: ${Math.round(r.left)}..${Math.round(r.right)}`);
    if (el.tagName === 'TABLE' && r.right > vw + 1) wide.push(`table ${el.id} ${Math.round(r.right)} px`);
  });
  return {scroll: document.documentElement.scrollWidth, vw, wide, drawn: document.querySelectorAll('.gpqi-chart--drawn').length,
          charts: document.querySelectorAll('[data-chart]').length};
}"""


def _visit(page, url: str) -> dict:  # noqa: ANN001
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    if page.locator("[data-chart]").count():
        page.wait_for_function(
            "document.querySelectorAll('.gpqi-chart--drawn').length === document.querySelectorAll('[data-chart]').length",
            timeout=20000,
        )
    return page.evaluate(MEASURE)


def _check(page, url: str, width: int, m: dict) -> None:  # noqa: ANN001
    assert m["scroll"] <= m["vw"], f"{url} at {width} px scrolls sideways: {m['scroll']} > {m['vw']}"
    if width >= 1280:
        assert not m["wide"], f"{url} at {width} px: {m['wide']}"
    problems = _axe(page)
    assert not problems, (
        url,
        width,
        [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in problems],
    )


@pytest.mark.parametrize("username", list(PRACTICE_PAGES))
def test_practice_pages_fit_laptop_and_phone(  # noqa: ANN201
    transactional_db,  # noqa: ANN001
    live_server,  # noqa: ANN001
    programme,  # noqa: ANN001
    campaign,  # noqa: ANN001
    browser,  # noqa: ANN001, F811
    username: str,
):
    LATEST.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for name, path in PRACTICE_PAGES[username]:
            url = path.format(own=programme.own, network=programme.network, campaign=campaign.campaign.pk)
            m = _visit(page, url)
            if name in SHOTS:  # the top of the page (kept small: they are committed)
                height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT[width])
                page.screenshot(
                    path=str(LATEST / f"layout-{name}-{width}.png"),
                    full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                )
            _check(page, url, width, m)
        context.close()


def test_worklist_pages_fit_laptop_and_phone(dc, live_server, browser, audit_cleanup):  # noqa: ANN001, F405, F811
    """The worklist's sortable headers hold visually hidden "(sort)" text: it must stay inside the
    table's scroll box, not widen the phone's page."""
    from django.contrib.auth.models import User

    user = User.objects.get(username="clinician")
    user.set_password(DC_PASSWORD)
    user.save()
    for width in WIDTHS:
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", "clinician")
        page.fill("#id_password", DC_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for url in ("/worklists/P1/", "/worklists/P1/dm-bp/"):
            _check(page, url, width, _visit(page, url))
        context.close()
