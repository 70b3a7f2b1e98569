"""The network lead's campaign journey in Debian's Chromium: the campaign list, the campaign page
(its chart drawn by vega-embed), the tip form; axe-core (WCAG 2.2 A/AA) on each page, no serious
or critical violation, no CSP error; screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from tests.web.conftest import PASSWORD
from tests.web.test_browser import SCREENSHOTS, _axe, browser  # noqa: F401 - the module-scoped fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_network_lead_follows_the_campaign(transactional_db, live_server, programme, campaign, browser):  # noqa: ANN001, F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/accounts/login/")
    page.fill("#id_username", "networklead")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Flu 2025/26: 65 and over" in page.locator("main").inner_text()  # the home page's campaign panel
    problems = _axe(page)
    assert not problems, [(v["id"], v["help"]) for v in problems]
    page.goto("/campaigns/")
    page.click(f"a[href='/campaigns/{campaign.campaign.pk}/']")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".gpqi-chart--drawn", timeout=15000)
    assert page.locator("h1").inner_text() == "Flu 2025/26: 65 and over"
    assert page.locator("#table-ranking tbody tr").count() == 10  # practices with an agreement in force
    page.screenshot(path=str(SCREENSHOTS / "networklead-campaign.png"), full_page=True)
    problems = _axe(page)
    assert not problems, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in problems]
    page.click("text=Edit the tip of the week")
    page.wait_for_load_state("networkidle")
    page.fill("#id_tip", "Book the housebound clinics this week.")
    problems = _axe(page)
    assert not problems, [(v["id"], v["help"]) for v in problems]
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Book the housebound clinics this week." in page.locator("#tip ~ .nhsuk-inset-text").inner_text()
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()
