"""Each role's main journey in Debian's Chromium (Playwright) against a live server, with
screenshots in test-artifacts/screenshots/ and axe-core (WCAG 2.2 A/AA rules) on every page:
no serious or critical violation is allowed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Playwright's sync API keeps an event loop in this thread; the test's own database calls are
# synchronous and safe (Django refuses them under a running loop otherwise).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

JOURNEYS = {
    "clinician": ["/", "/practices/{own}/", "/indicators/pulse-check-65/", "/networks/", "/about/"],
    "manager": ["/", "/operational/", "/indicators/dna-all/"],
    "facilitator": ["/", "/practices/", "/indicators/hyp-bp-79/"],
    "networklead": ["/", "/networks/", "/networks/{network}/", "/indicators/"],
    "analyst": ["/", "/data-quality/", "/indicators/dm-hba1c/?focus=programme"],
    "iglead": ["/"],
    "admin": ["/", "/admin/"],
}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from gpqi.web.assets import present

    assert present(), "front-end assets missing: run `gpqi assets` (make install does)"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _axe(page) -> list[dict]:  # noqa: ANN001
    page.add_script_tag(url="/static/vendor/axe/axe.min.js")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("username", list(JOURNEYS))
def test_role_journey(transactional_db, live_server, programme, browser, username):  # noqa: ANN001
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/accounts/login/")
    problems = _axe(page)
    assert not problems, [(v["id"], v["help"]) for v in problems]
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url
    for i, path in enumerate(JOURNEYS[username]):
        url = path.format(own=programme.own, network=programme.network)
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("networkidle")
        if page.locator("[data-chart]").count():
            page.wait_for_selector(".gpqi-chart--drawn", timeout=15000)
        page.screenshot(path=str(SCREENSHOTS / f"{username}-{i + 1}.png"), full_page=True)
        problems = _axe(page)
        assert not problems, (
            url,
            [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in problems],
        )
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()
