"""The audit log: append-only in the application and in the database (SQLite here, PostgreSQL
when the web tests run with DATABASE_URL), the IG lead's search and downloads (themselves
audited), and who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from gpqi.web.audit import dbguard
from gpqi.web.audit.models import AppendOnlyError, AuditRecord
from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import response_text
from tests.web.downloads import csv_records


def _record(**kw) -> AuditRecord:  # noqa: ANN003
    fields = {
        "user_id": 1,
        "username": "clinician",
        "role": "clinician",
        "subject": AuditRecord.WORKLIST,
        "action": AuditRecord.VIEW,
        "format": AuditRecord.HTML,
        "practice_code": "P1",
        "indicator_id": "dm-bp",
        "patient_count": 4,
        "path": "/worklists/P1/dm-bp/",
    }
    fields.update(kw)
    return AuditRecord.objects.create(**fields)


def test_triggers_are_installed(db):
    # A later migration that rebuilds the table (SQLite does for most changes) would drop them.
    assert dbguard.installed(connection)


def test_orm_cannot_update_or_delete(db):
    r = _record()
    r.patient_count = 0
    with pytest.raises(AppendOnlyError):
        r.save()
    with pytest.raises(AppendOnlyError):
        r.delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=r.pk).update(patient_count=0)
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.filter(pk=r.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditRecord.objects.bulk_update([r], ["patient_count"])
    copy = AuditRecord.objects.get(pk=r.pk)
    copy.pk = None  # saving a copy makes a new record; the old one is untouched
    copy._state.adding = True
    copy.save()
    assert AuditRecord.objects.get(pk=r.pk).patient_count == 4
    assert AuditRecord.objects.count() == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditrecord SET patient_count = 0",
        "UPDATE audit_auditrecord SET username = 'someone-else' WHERE id = %s",
        "DELETE FROM audit_auditrecord WHERE id = %s",
        "DELETE FROM audit_auditrecord",
    ],
)
def test_raw_sql_cannot_update_or_delete(db, sql):
    r = _record()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [r.pk] if "%s" in sql else None)
    kept = AuditRecord.objects.get(pk=r.pk)
    assert (kept.username, kept.patient_count) == ("clinician", 4)


def test_deleting_a_user_keeps_their_records(as_user, dc):
    from django.contrib.auth.models import User

    as_user("clinician").get("/worklists/P1/dm-bp/")
    User.objects.get(username="clinician").delete()
    r = AuditRecord.objects.get()
    assert r.username == "clinician" and r.user_id is not None


def test_admin_has_no_audit_pages(as_user, dc):
    client = as_user("admin")
    _record()
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/audit/auditrecord/").status_code == 404
    assert client.get("/admin/audit/auditrecord/1/delete/").status_code == 404


def _seed(as_user) -> None:  # noqa: ANN001
    """Real views write real records: clinician and manager view and download."""
    c = as_user("clinician")
    c.get("/worklists/P1/dm-bp/")
    c.get("/worklists/P1/dm-hba1c/?download=worklist-dm-hba1c&format=csv")
    m = as_user("manager")
    m.get("/worklists/P1/dm-bp/?download=worklist-dm-bp&format=xlsx")


def _rows(response) -> list[dict[str, str]]:  # noqa: ANN001
    return csv_records(response.content)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", 3),
        ("user=manag", 1),
        ("practice=p1", 3),
        ("practice=P2", 0),
        ("indicator=dm-hba1c", 1),
        ("output=csv", 1),
        ("output=html", 1),
        ("action=download", 2),
        ("date_from={today}&date_to={today}", 3),
        ("date_to={yesterday}", 0),
    ],
)
def test_ig_lead_searches(as_user, dc, query, expected):
    _seed(as_user)
    today = timezone.localdate()
    q = query.format(today=today, yesterday=today - dt.timedelta(days=1))
    client = as_user("iglead")
    page = client.get(f"/audit/?{q}")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    rows = _rows(client.get(f"/audit/?{q}&download=audit-log&format=csv"))
    assert len(rows) == expected, q
    assert f"{expected} matching record" in page.content.decode()


def test_audit_download_is_audited_and_holds_no_patient(as_user, dc):
    _seed(as_user)
    client = as_user("iglead")
    rows = _rows(client.get("/audit/?download=audit-log&format=csv"))
    assert {(r["User"], r["Action"], r["Format"], r["Patients"]) for r in rows} == {
        ("clinician", "Viewed", "HTML", "4"),
        ("clinician", "Downloaded", "CSV", "5"),
        ("manager", "Downloaded", "XLSX", "4"),
    }
    latest = AuditRecord.objects.first()
    assert (latest.subject, latest.action, latest.format, latest.record_count, latest.username) == (
        "audit_log",
        "download",
        "csv",
        3,
        "iglead",
    )
    xlsx = client.get("/audit/?download=audit-log&format=xlsx")
    text = response_text(xlsx)
    assert "Audit log" in text and "manager" in text  # the CSV download now shows in the log
    assert AuditRecord.objects.first().format == "xlsx"
    for p in dc.patients:
        assert p.family_name not in text and p.nhs_number not in text


def test_bad_search_shows_errors(as_user, dc):
    response = as_user("iglead").get("/audit/?date_from=2025-02-01&date_to=2025-01-01&output=pdf")
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text and "end date must be on or after" in text


def test_pagination(as_user, dc):
    for i in range(55):
        _record(username=f"user{i:02d}")
    client = as_user("admin")
    first = client.get("/audit/").content.decode()
    assert "Page 1 of 2" in first and "user54" in first and "user00" not in first
    second = client.get("/audit/?page=2").content.decode()
    assert "user00" in second and "user54" not in second


@pytest.mark.parametrize(
    "username",
    ["clinician", "manager", "otherclin", "p3clin", "facilitator", "networklead", "analyst"],
)
def test_only_ig_lead_and_admin(as_user, dc, username):
    _record()
    client = as_user(username)
    for url in ("/audit/", "/audit/?download=audit-log&format=csv", "/audit/?download=audit-log&format=xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"/worklists/P1/dm-bp/" not in response.content
    assert AuditRecord.objects.count() == 1  # refused requests write nothing
