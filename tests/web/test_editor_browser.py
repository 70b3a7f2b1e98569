"""The editor's journey in Debian's Chromium against a live server: upload a definition with a
mistake, see the error in place (htmx), fix it, preview the counts, publish, see the audit row
and the waiting notice; axe-core (WCAG 2.2 A/AA) on every state at 1280 and 390 px; screenshots
in test-artifacts/screenshots/editor-*.png."""

from __future__ import annotations

import os

import pytest

from gpqi.engine import run
from tests.web import editor_setup
from tests.web.conftest import PASSWORD
from tests.web.test_browser import CHROMIUM, SCREENSHOTS, _axe

pytestmark = [pytest.mark.browser, pytest.mark.slow]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LIBRARY = editor_setup.Path(__file__).resolve().parents[2] / "gpqi" / "indicators" / "library"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def root(transactional_db, settings, tmp_path):
    template = editor_setup.template(tmp_path / "template")
    return editor_setup.programme(template, tmp_path / "ws", settings)


def _check_axe(page, where: str) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (where, f"the page is {overflow} px wider than the viewport")
    problems = _axe(page)
    assert not problems, (
        where,
        [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in problems],
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_editor_journey(live_server, root, browser, tmp_path, width):
    from gpqi.web.editor.models import Publication

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    shot = SCREENSHOTS / f"editor-{width}"

    page.goto("/editor/")
    _check_axe(page, "editor index")
    page.screenshot(path=f"{shot}-1-index.png", full_page=True)

    # Upload a definition with two mistakes.
    broken = tmp_path / "pulse-local.yaml"
    broken.write_text(
        (LIBRARY / "pulse-check-65.yaml").read_text().replace("id: pulse-check-65", "id: pulse-local")
        .replace("within: 5 years", "within: 5 yeers").replace("higher_is_better: true", "higher_is_better: true\ncolour: red")
    )  # fmt: skip
    page.fill("#id_indicator_id", "pulse-local")
    page.set_input_files("#id_upload", str(broken))
    page.click("button:has-text('Open in the editor')")
    page.wait_for_load_state("networkidle")
    assert page.locator("#check-result").inner_text().startswith("2 problems in the definition")
    _check_axe(page, "uploaded with errors")
    page.screenshot(path=f"{shot}-2-errors.png", full_page=True)

    # Fix one mistake and check again in place (htmx swaps only the result).
    text = page.input_value("#definition").replace("colour: red\n", "")
    page.fill("#definition", text)
    page.click("#check-button")
    page.wait_for_function("document.querySelector('#check-result').innerText.startsWith('1 problem')")
    assert "5 yeers" in page.locator("#check-result").inner_text()
    page.fill("#definition", text.replace("5 yeers", "5 years"))
    page.click("#check-button")
    page.wait_for_selector("#check-result:has-text('The definition is valid')")
    _check_axe(page, "valid")

    # Preview the aggregate counts.
    page.click("#preview-button")
    page.wait_for_selector("#table-attrition", timeout=60000)
    assert page.locator("#table-preview-practices tbody tr").count() == 3
    _check_axe(page, "preview")
    page.screenshot(path=f"{shot}-3-preview.png", full_page=True)

    # Publish with a second person's check; the audit row and the waiting notice follow.
    page.select_option("#checked_by", "analyst2")
    page.click("#publish-button")
    page.wait_for_load_state("networkidle")
    assert "Waiting for the next run" in page.content()
    row = page.locator("#table-publications tbody tr").first.inner_text()
    assert "pulse-local" in row and "analyst (analyst)" in row and "analyst2" in row
    _check_axe(page, "published")
    page.screenshot(path=f"{shot}-4-published.png", full_page=True)
    assert Publication.objects.filter(indicator_id="pulse-local", checked_by="analyst2").count() == 1

    page.goto("/indicators/pulse-local/")
    assert "Waiting for the next run" in page.content()
    _check_axe(page, "pending indicator page")
    page.screenshot(path=f"{shot}-5-pending.png", full_page=True)

    # After the run: the results, the definition in plain English, codelists and version history.
    run(root, ["pulse-local"], dates=editor_setup.DATES, worklists=False)
    page.goto("/indicators/pulse-local/?focus=programme")
    page.wait_for_load_state("networkidle")
    if page.locator("[data-chart]").count():
        page.wait_for_selector(".gpqi-chart--drawn", timeout=15000)
    assert "Waiting for the next run" not in page.content() and "Version history" in page.content()
    _check_axe(page, "indicator page after the run")
    page.screenshot(path=f"{shot}-7-indicator.png", full_page=True)

    page.goto("/editor/codelists/")
    _check_axe(page, "codelists")
    page.screenshot(path=f"{shot}-6-codelists.png", full_page=True)
    assert not [e for e in errors if "Uncaught" in e or "Content Security Policy" in e], errors
    context.close()
