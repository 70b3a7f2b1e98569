"""Worklist downloads over real HTTP (pytest-django's live server, a real socket and urllib): the
attacks found that way. A HEAD request is not audited as a download, since nothing was sent; a
patient name holding control characters downloads as XLSX instead of failing with a 500 whose
log line quoted the name; and no log record holds it."""

from __future__ import annotations

import io
import logging
import re
import shutil
import urllib.error
import urllib.request

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.test_worklists_browser import audit_cleanup  # noqa: F401  (the fixture)

WL = "/worklists/P1/dm-bp/"
XLSX = WL + "?download=worklist-dm-bp&format=xlsx"
CSV = WL + "?download=worklist-dm-bp&format=csv"


def _session_cookie(client) -> str:  # noqa: ANN001
    return f"sessionid={client.cookies['sessionid'].value}"


def _request(live_server, path: str, cookie: str, method: str = "GET"):  # noqa: ANN001, ANN202
    req = urllib.request.Request(live_server.url + path, method=method, headers={"Cookie": cookie})
    try:
        return urllib.request.urlopen(req, timeout=30)
    except urllib.error.HTTPError as err:
        return err


def test_head_on_a_download_sends_nothing_and_is_not_audited(audit_cleanup, live_server, as_user, dc):  # noqa: F811
    from gpqi.web.audit.models import AuditRecord

    cookie = _session_cookie(as_user("clinician"))
    before = AuditRecord.objects.count()
    for path in (CSV, XLSX, WL):
        with _request(live_server, path, cookie, "HEAD") as r:
            assert r.status == 200 and r.read() == b""
            assert r.headers["Cache-Control"] == "no-store"
    assert AuditRecord.objects.count() == before
    with _request(live_server, CSV, cookie) as r:
        body = r.read().decode()
    assert len(re.findall(r"\b\d{3} \d{3} \d{4}\b", body)) == 4  # the four patients sent ...
    (record,) = AuditRecord.objects.all()[: AuditRecord.objects.count() - before]
    assert (record.action, record.format, record.patient_count) == ("download", "csv", 4)  # ... recorded


@pytest.fixture
def hostile_names(dc, settings, tmp_path):  # noqa: ANN001, ANN201
    """A copy of the workspace whose P1 worklist names hold NUL, vertical tab and a formula after a
    tab: data no ingest publishes now, written straight into the engine's file."""
    root = tmp_path / "ws"
    shutil.copytree(dc.root, root)
    path = root / "worklists" / "P1" / "dm-bp.parquet"
    table = pq.read_table(path)
    family = table["family_name"].to_pylist()
    given = table["given_name"].to_pylist()
    family[0], given[0] = "Wick\x00ham\x0b", "Ann"
    family[1], given[1] = None, "\t=1+1ANDERSON"  # so the name cell starts with the tab
    table = table.set_column(table.schema.get_field_index("family_name"), "family_name", [family])
    table = table.set_column(table.schema.get_field_index("given_name"), "given_name", [given])
    pq.write_table(table, path)
    settings.WORKSPACE = root
    return root


def test_control_characters_in_a_name_download_as_xlsx_and_stay_out_of_logs(
    audit_cleanup,  # noqa: F811
    live_server,
    as_user,
    dc,
    hostile_names,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    cookie = _session_cookie(as_user("clinician"))
    with _request(live_server, XLSX, cookie) as r:
        assert r.status == 200, r.read()[:200]
        book = load_workbook(io.BytesIO(r.read()))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "WICK\ufffdHAM\ufffd, Ann" in cells  # replaced, not dropped: the row is there
    assert "'\t=1+1ANDERSON" in cells  # the formula stays text
    assert not any(c.startswith(("\t", "=")) for c in cells)
    with _request(live_server, CSV, cookie) as r:
        text = r.read().decode()
    assert "WICK\x00HAM" in text and "'\t=1+1ANDERSON" in text  # a CSV can carry it, neutralised
    logged = "\n".join(rec.getMessage() + str(rec.exc_text or "") for rec in caplog.records)
    assert "WICK" not in logged.upper() and "ANDERSON" not in logged
