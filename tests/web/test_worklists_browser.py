"""The clinician's worklist journey in Debian's Chromium (Playwright): open the worklists, pick
an indicator, filter (htmx updates the table in place), sort, download the CSV; then the IG lead
finds those views in the audit log. axe-core (WCAG 2.2 A/AA) on every page, screenshots in
test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import PASSWORD
from tests.web.downloads import csv_about, csv_records
from tests.web.test_browser import SCREENSHOTS, _axe, browser  # noqa: F401  (the browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def audit_cleanup(transactional_db):  # noqa: ANN001, ANN201
    """The test database is emptied after a live-server test with DELETE, which the audit
    table's triggers refuse (as they should). Lift them for the cleanup only, as a database
    owner would, and put them back."""
    yield
    from django.db import connection

    from gpqi.web.audit import dbguard

    dbguard.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {dbguard.TABLE}")
    dbguard.install(connection)


def _login(chromium, live_server, username: str):  # noqa: ANN001, ANN202
    from django.contrib.auth.models import User

    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save()
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url
    return context, page, errors


def _check(page, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    problems = _axe(page)
    assert not problems, (
        page.url,
        [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in problems],
    )


def test_clinician_worklist_journey(audit_cleanup, live_server, dc, browser):  # noqa: ANN001, F811
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = _login(browser, live_server, "clinician")
    page.click("a.nhsuk-header__navigation-link:has-text('Worklists')")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/worklists/P1/")
    _check(page, "worklists-1-index")

    page.click("text=Diabetes — last blood pressure")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/worklists/P1/dm-bp/")
    assert page.locator("#worklist-body tbody tr").count() == 4
    _check(page, "worklists-2-list")

    # Filter: htmx swaps the table in place and pushes the URL.
    page.select_option("#id_reason", "never_recorded")
    page.click("button:has-text('Apply')")
    page.wait_for_function("document.querySelectorAll('#worklist-body tbody tr').length === 2")
    assert "reason=never_recorded" in page.url
    # Sort by age, oldest first (the header link; a second click reverses).
    page.click("#worklist-body th a:has-text('Age')")
    page.wait_for_load_state("networkidle")
    page.click("#worklist-body th a:has-text('Age')")
    page.wait_for_load_state("networkidle")
    ages = [int(t) for t in page.locator("#worklist-body tbody tr td:nth-child(4)").all_inner_texts()]
    assert ages == sorted(ages, reverse=True) and len(ages) == 2
    _check(page, "worklists-3-filtered")

    with page.expect_download() as info:
        page.click("#worklist-body .gpqi-downloads a:has-text('CSV')")
    path = info.value.path()
    content = Path(path).read_text(encoding="utf-8")
    rows = csv_records(content)
    # the browser saves it under a name that says what it is
    day = csv_about(content)["Reporting date"]
    assert info.value.suggested_filename == f"P1_worklist_dm-bp_{day}.csv"
    assert [r["Why"] for r in rows] == ["Never recorded", "Never recorded"]
    assert [int(r["Age"]) for r in rows] == ages
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    context.close()

    context, page, errors = _login(browser, live_server, "iglead")
    page.goto("/audit/?user=clinician")
    page.wait_for_load_state("networkidle")
    text = page.locator("#table-audit-log").inner_text()
    assert (
        "Downloaded" in text
        and "Viewed" in text
        and "Diabetes — last blood pressure 140/90 or less" in text
        and "Clinician" in text
    )
    _check(page, "audit-1-search")
    assert not errors, errors
    context.close()
