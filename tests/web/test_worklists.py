"""The worklist pages on the engine's own files: what a clinician sees (columns, reasons,
reporting date), filters, sorting, downloads, type 1 opt-outs (listed here, not counted in the
results), no-store caching, and the audit record written before the data is sent."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import response_text
from tests.web.downloads import csv_about, csv_records

WL = "/worklists/P1/dm-bp/"


def _csv(response) -> list[dict[str, str]]:  # noqa: ANN001
    return csv_records(response.content)


def test_home_redirects_to_own_practice_and_index_counts(as_user, dc):
    client = as_user("clinician")
    response = client.get("/worklists/")
    assert response.status_code == 302 and response["Location"] == "/worklists/P1/"
    index = client.get("/worklists/P1/")
    assert index.status_code == 200
    rows = _csv(client.get("/worklists/P1/?download=worklists&format=csv"))
    by_title = {r["Indicator"]: r for r in rows}
    assert len(rows) == 2
    for p_ind, n in (("dm-bp", 4), ("dm-hba1c", 5)):
        on_file = pq.read_table(dc.root / "worklists" / "P1" / f"{p_ind}.parquet").num_rows
        assert on_file == n
    assert {r["Patients due action"] for r in by_title.values()} == {"4", "5"}
    assert all(r["Of whom type 1 opt-out"] == "1" for r in rows)
    assert all(r["As of"] == "2024-03-31" for r in rows)
    assert 'href="/worklists/P1/dm-bp/"' in index.content.decode()
    # The index holds counts only, no patient.
    assert not any(p.family_name in index.content.decode() for p in dc.patients)


def test_worklist_shows_own_patients_with_reasons(as_user, dc):
    response = as_user("clinician").get(WL)
    assert response.status_code == 200
    text = response.content.decode()
    own = [p for p in dc.of("P1") if p.indicator == "dm-bp"]
    assert len(own) == 4
    for p in own:
        assert p.nhs_spaced in text  # 3-3-4
        assert f"{p.family_name.upper()}, {p.given_name}" in text
        assert f"{p.date_of_birth.day} {p.date_of_birth:%b %Y}" in text
    for other in dc.patients:
        if other.practice != "P1":
            assert other.family_name.upper() not in text
    assert "Latest value outside the target" in text and "Never recorded" in text and "Out of date" in text
    assert "as of 31 March 2024" in text
    rows = _csv(as_user("clinician").get(WL + "?download=worklist-dm-bp&format=csv"))
    by_name = {r["Name"]: r for r in rows}
    above = by_name["ABERNATHY, Aurelia"]
    assert (above["Why"], above["Last recorded"], above["Last value"]) == (
        "Latest value outside the target",
        "2024-02-10",
        "150.0",
    )
    assert above["Age"] == "79"  # born 15 January 1945, on 31 March 2024
    assert by_name["CARTWRIGHT, Cressida"]["Why"] == "Out of date"


def test_type1_opt_out_is_listed_but_not_counted(as_user, dc):
    """End to end: the engine lists the opted-out patient for direct care and leaves them out of
    the shared results."""
    opted = [p for p in dc.of("P1") if p.indicator == "dm-bp" and p.type1_opt_out]
    assert len(opted) == 1
    rows = _csv(as_user("clinician").get(WL + "?download=worklist-dm-bp&format=csv"))
    names = {r["Name"]: r for r in rows}
    entry = names[f"{opted[0].family_name.upper()}, {opted[0].given_name}"]
    assert entry["Type 1 opt-out"] == "Yes" and entry["Why"] == "Never recorded"
    results = pq.read_table(dc.root / "results" / "results.parquet").to_pandas()
    p1 = results[
        (results.org_code == "P1")
        & (results.indicator_id == "dm-bp")
        & (results.reporting_date == dt.date(2024, 3, 31))
    ].iloc[0]
    # Five patients with diabetes at P1; the opt-out is not counted: 4 in the denominator,
    # 1 controlled; the worklist holds the other 3 plus the opt-out.
    assert (p1.denominator, p1.numerator) == (4, 1)
    assert len(rows) == p1.denominator - p1.numerator + 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("reason=out_of_date", {"CARTWRIGHT, Cressida"}),
        ("reason=never_recorded", {"BLACKWOOD, Bartholomew", "ELLSWORTH, Eulalia"}),
        ("age_min=70&age_max=75", {"BLACKWOOD, Bartholomew"}),
        ("q=blackw", {"BLACKWOOD, Bartholomew"}),
        ("q=abernathy%2C+aur", {"ABERNATHY, Aurelia"}),
        ("q=zzz", set()),
        ("q=Aurelia", {"ABERNATHY, Aurelia"}),
    ],
)
def test_filters(as_user, dc, query, expected):
    rows = _csv(as_user("clinician").get(f"{WL}?{query}&download=worklist-dm-bp&format=csv"))
    assert {r["Name"] for r in rows} == expected


def test_search_by_nhs_number_and_sort(as_user, dc):
    client = as_user("clinician")
    target = next(p for p in dc.of("P1") if p.indicator == "dm-bp" and p.reason == "out_of_date")
    for typed in (target.nhs_number, target.nhs_spaced, target.nhs_number[-6:]):
        rows = _csv(client.get(WL, {"q": typed, "download": "worklist-dm-bp", "format": "csv"}))
        assert [r["NHS number"] for r in rows] == [target.nhs_spaced], typed
    ages = [int(r["Age"]) for r in _csv(client.get(WL + "?sort=age&order=desc&download=worklist-dm-bp"))]
    assert ages == sorted(ages, reverse=True) and len(ages) == 4
    names = [r["Name"] for r in _csv(client.get(WL + "?sort=name&download=worklist-dm-bp"))]
    assert names == sorted(names)
    page = client.get(WL + "?sort=age&order=desc").content.decode()
    assert 'aria-sort="descending"' in page


def test_bad_filters_show_an_error_not_a_failure(as_user, dc):
    response = as_user("clinician").get(WL + "?age_min=abc&age_max=200&reason=bogus")
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text and "Enter a whole number" in text
    # The invalid filters are not applied: every patient is still listed.
    assert "4 of 4 shown" in text


def test_xlsx_download_matches_csv(as_user, dc):
    client = as_user("manager")
    csv = client.get(WL + "?download=worklist-dm-bp&format=csv")
    csv_rows = _csv(csv)
    xlsx = client.get(WL + "?download=worklist-dm-bp&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxml")
    # named for the practice, the list, the indicator and the search's date; patient-identifiable
    day = csv_about(csv.content)["Reporting date"]
    for response, ext in ((csv, "csv"), (xlsx, "xlsx")):
        assert response["Content-Disposition"] == f'attachment; filename="P1_worklist_dm-bp_{day}.{ext}"'
    about = csv_about(csv.content)
    assert "Patient-identifiable" in about["Disclosure"] and "(P1)" in about["Scope"]
    text = response_text(xlsx)
    for r in csv_rows:
        assert r["NHS number"] in text and r["Name"] in text


def test_every_patient_response_is_no_store_and_audited(as_user, dc):
    from gpqi.web.audit.models import AuditRecord

    client = as_user("clinician")
    before = AuditRecord.objects.count()
    urls = [
        WL,
        WL + "?reason=never_recorded&q=Blackwood",
        WL + "?download=worklist-dm-bp&format=csv",
        WL + "?download=worklist-dm-bp&format=xlsx&age_min=60",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", url
    records = list(AuditRecord.objects.order_by("id"))[before:]
    assert [(r.action, r.format, r.patient_count) for r in records] == [
        ("view", "html", 4),
        ("view", "html", 1),
        ("download", "csv", 4),
        ("download", "xlsx", 3),
    ]
    r = records[1]
    assert (r.username, r.role, r.practice_code, r.indicator_id, r.subject) == (
        "clinician",
        "clinician",
        "P1",
        "dm-bp",
        "worklist",
    )
    assert r.path == WL and "search=yes" in r.filters and "Blackwood" not in r.filters
    assert r.client_ip == "127.0.0.1"
    # The index (counts only) is not patient-level data and is not audited.
    client.get("/worklists/P1/")
    assert AuditRecord.objects.count() == before + 4


def test_if_the_audit_write_fails_no_data_is_sent(as_user, dc):
    """Make the database refuse audit inserts (a real failure, not a mock): the response is a
    plain error with no patient in it."""
    from django.db import connection

    from gpqi.web.audit.models import AuditRecord

    table = AuditRecord._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER test_refuse_insert BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER test_refuse_insert BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_insert()"
            )
    client = as_user("clinician")
    client.raise_request_exception = False
    for url in (WL, WL + "?download=worklist-dm-bp&format=csv", WL + "?download=worklist-dm-bp&format=xlsx"):
        response = client.get(url)
        assert response.status_code == 500, url
        body = response.content.decode("utf-8", "replace")
        for p in dc.patients:
            assert p.family_name.casefold() not in body.casefold() and p.nhs_number not in body
    assert AuditRecord.objects.count() == 0


def test_nav_item_only_for_those_who_may_see(as_user, dc):
    assert 'href="/worklists/"' in as_user("clinician").get("/worklists/P1/").content.decode()
    for username in ("otherclin", "p3clin", "analyst"):
        page = as_user(username).get("/about/").content.decode()
        assert ('href="/worklists/"' in page) is (username == "otherclin"), username
