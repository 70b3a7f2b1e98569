"""The monthly meeting pack, rendered by WeasyPrint and read back with pdftotext (poppler): the
scope, month, indicator titles and the disclosed figures are in it, pseudonymised peers are not
named, no patient identifier appears, pages are numbered; pdftoppm renders a page to PNG."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pytest
from typer.testing import CliRunner

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import identifiers_in
from tests.web.text import mentions


def _text(pdf: bytes) -> str:
    """The PDF's text in reading order (a table cell's wrapped lines stay together)."""
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _num(v: float) -> str:
    return f"{v:,.0f}"


def test_practice_pack_download(login, programme, projects):
    from gpqi.access.results import store_for
    from gpqi.web.catalogue import catalogue
    from gpqi.web.governance.models import Practice
    from gpqi.workspace import open_workspace

    response = login("clinician").get("/packs/?month=2025-06")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "meeting-pack-" in response["Content-Disposition"]
    text = _text(response.content)
    own = Practice.objects.get(code=programme.own)
    assert own.name in text and "June 2025" in text and "30 June 2025" in text
    assert re.search(r"Page 1 of \d+", text)
    store = store_for(open_workspace(programme.root))
    cat = catalogue(store.indicator_ids())
    flat = " ".join(text.split())
    for ind_id in store.indicator_ids():
        assert " ".join(cat[ind_id].title.split()) in flat, ind_id
        row = store.practice_series(programme.own, ind_id)
        row = row[row["reporting_date"] == dt.date(2025, 6, 30)].iloc[0]
        # the practice's own counts, exact (it is the audience's own practice)
        assert _num(row["numerator"]) in text and _num(row["denominator"]) in text
    # its QI project and latest PDSA cycle; no other practice's
    assert "Own practice BP recall" in flat and "Own practice BP recall cycle" in flat
    assert "Anonymous peer BP texts" not in flat
    anon = Practice.objects.get(code=programme.anonymous_peer)
    assert not mentions(text, anon.name)


def test_programme_pack_figures_are_disclosed(programme, projects):
    from gpqi.access import scope
    from gpqi.access.focus import Focus
    from gpqi.access.results import store_for
    from gpqi.reports.pack import pdf
    from gpqi.web.governance.models import Practice
    from gpqi.web.packs.build import build_document
    from gpqi.web.permissions import governance
    from gpqi.workspace import open_workspace

    ws = open_workspace(programme.root)
    gov = governance()
    doc = build_document(ws, scope.outsider(gov), Focus("programme"), "2025-12")
    text = _text(pdf(doc))
    assert "The whole programme" in text and "December 2025" in text
    store = store_for(ws)
    shared = sorted(gov.shared)
    for h in doc.figures.headline:
        raw = store.series_for(h.meta.id, shared)
        raw = raw[raw["reporting_date"] == dt.date(2025, 12, 31)].iloc[0]
        # outsiders see the total of practices none of which is theirs disclosed: rounded to 5
        assert h.numerator % 5 == 0 and h.denominator % 5 == 0
        assert abs(h.numerator - raw["numerator"]) <= 2.5 and abs(h.denominator - raw["denominator"]) <= 2.5
        assert _num(h.numerator) in text and _num(h.denominator) in text
    # projects appear by pseudonym only
    anon = Practice.objects.get(code=programme.anonymous_peer)
    flat = " ".join(text.split())
    assert (
        "Anonymous peer BP texts" in flat and mentions(flat, anon.pseudonym) and not mentions(flat, anon.name)
    )
    # the suspended practice's project is not in a shared pack
    assert "Suspended practice project" not in flat


def test_pack_page_renders_to_png(login, programme, tmp_path):
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(login("networklead").get(f"/packs/?focus=network:{programme.network}").content)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p*.png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


def test_pack_holds_no_patient_identifiers(dc, as_user):  # noqa: F811
    for username in ("clinician", "networklead", "analyst"):
        response = as_user(username).get("/packs/")
        assert response.status_code == 200, username
        text = _text(response.content)
        assert "Page 1 of" in text
        assert identifiers_in(text, dc.patients) == set(), username


def test_pack_refuses_a_month_without_results_and_other_practices(login, programme):
    client = login("clinician")
    assert client.get("/packs/?month=1999-01").status_code == 404
    assert client.get(f"/packs/?focus={programme.anonymous_peer}").status_code == 404


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2025-01", "--out", "x.pdf"], "exactly one of"),
        (["--month", "2025-01", "--out", "x.pdf", "--practice", "A", "--programme"], "exactly one of"),
    ],
)
def test_pack_command_needs_one_scope(args, message):
    from gpqi.cli import app

    result = CliRunner().invoke(app, ["pack", *args])
    assert result.exit_code == 2 and message in result.output
