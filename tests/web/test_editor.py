"""The indicator editor over HTTP: only analysts and admins reach it (403 for everyone else, on
GET and POST), errors are shown in place, the preview shows aggregate counts that equal the
engine's, publishing writes the file and an append-only record (who, when, checked by, diff),
and the indicator page says it waits for the next run until `gpqi run` has computed it."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.test import RequestFactory

from gpqi.engine import run
from gpqi.engine.preview import preview
from gpqi.web.audit.models import AppendOnlyError
from tests.web import editor_setup
from tests.web.conftest import PASSWORD

LIBRARY = editor_setup.Path(__file__).resolve().parents[2] / "gpqi" / "indicators" / "library"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return editor_setup.template(tmp_path_factory.mktemp("editor") / "template")


@pytest.fixture
def root(db, settings, tmp_path, template):
    return editor_setup.programme(template, tmp_path / "ws", settings)


@pytest.fixture
def as_user(client, root):
    def _login(username: str):
        client.logout()
        # The login throttle (django-axes) needs the request, which Client.login does not give.
        assert client.login(
            request=RequestFactory().post("/accounts/login/"), username=username, password=PASSWORD
        )
        return client

    return _login


def _local_copy(new_id: str = "dm-bp-local") -> str:
    return (LIBRARY / "dm-bp.yaml").read_text().replace("id: dm-bp\n", f"id: {new_id}\n", 1)


def _tree(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.mark.parametrize("username", ["clinician", "manager", "facilitator", "iglead"])
def test_everyone_outside_the_authors_gets_403_and_cannot_publish_by_post(as_user, root, username):
    from gpqi.web.editor.models import Publication

    client = as_user(username)
    for url in ("/editor/", "/editor/dm-bp/", "/editor/codelists/", "/editor/dm-bp-local/check/"):
        assert client.get(url).status_code == 403, url
    before = _tree(root)
    posted = client.post("/editor/dm-bp-local/publish/", {"definition": _local_copy()})
    assert posted.status_code == 403
    assert client.post("/editor/dm-bp-local/preview/", {"definition": _local_copy()}, **HX).status_code == 403
    upload = client.post("/editor/codelists/", {"slug": "x", "system": "snomedct",
                                                "file": editor_setup.Path(LIBRARY / "dm-bp.yaml").open("rb")})  # fmt: skip
    assert upload.status_code == 403
    assert _tree(root) == before and not Publication.objects.exists()
    assert b"Indicator editor" not in client.get("/").content  # no header link either


def test_check_shows_every_error_in_place_then_the_fixed_definition(as_user):
    client = as_user("analyst")
    page = client.get("/editor/dm-bp-local/?like=dm-bp")
    assert page.status_code == 200 and b"id: dm-bp-local" in page.content
    broken = (
        _local_copy()
        .replace("within: 12 months, max: 140", "within: 12 monts, max: 140")
        .replace("codelist: diastolic-bp", "codelist: diastolic-bpp")
    )
    answer = client.post("/editor/dm-bp-local/check/", {"definition": broken}, **HX)
    text = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in text  # a fragment for htmx to swap in
    assert "2 problems in the definition" in text
    line = next(i for i, t in enumerate(broken.splitlines(), start=1) if "12 monts" in t)
    assert f"Line {line}, numerator.all.0.latest_value.within: " in text
    assert "unknown codelist &#39;diastolic-bpp&#39;" in text
    fixed = client.post("/editor/dm-bp-local/check/", {"definition": _local_copy()}, **HX).content.decode()
    assert "The definition is valid" in fixed and "aged 17 or over" in fixed
    wrong_id = client.post("/editor/other/check/", {"definition": _local_copy()}, **HX).content.decode()
    assert "does not match the file name other.yaml" in wrong_id


def test_preview_shows_the_engines_aggregate_counts_and_no_patient_data(as_user, root):
    client = as_user("analyst")
    answer = client.post("/editor/dm-bp-local/preview/", {"definition": _local_copy()}, **HX)
    text = answer.content.decode()
    assert answer.status_code == 200
    expected = preview(root, "dm-bp")
    for step in expected.attrition:
        assert f"{step.total:,}</td>" in text
    for practice in expected.practices:
        assert f">{practice.practice_code}</th>" in text
    assert "Attrition: each criterion in turn" in text and "Per practice" in text
    assert "patient_id" not in text and "date_of_birth" not in text


def test_publish_writes_the_file_and_records_who_when_checked_by_and_diff(as_user, root):
    from gpqi.web.editor.models import Publication

    client = as_user("analyst")
    answer = client.post(
        "/editor/dm-bp-local/publish/", {"definition": _local_copy(), "checked_by": "analyst2"}
    )
    assert answer.status_code == 302
    written = (root / "indicators" / "dm-bp-local.yaml").read_text()
    assert 'checked_by: "analyst2"' in written and written.startswith("id: dm-bp-local\n")
    record = Publication.objects.get()
    assert (record.indicator_id, record.published_by, record.role, record.checked_by) == (
        "dm-bp-local", "analyst", "analyst", "analyst2")  # fmt: skip
    assert "+id: dm-bp-local" in record.diff and record.previous_version == ""
    assert record.sha256 == hashlib.sha256(written.encode()).hexdigest()
    with pytest.raises(AppendOnlyError):
        record.save()
    index = client.get("/editor/?published=dm-bp-local").content.decode()
    assert "Waiting for the next run" in index and "dm-bp-local" in index
    # Before the run the page is the definition and the notice; after it, the results.
    pending = client.get("/indicators/dm-bp-local/").content.decode()
    assert "Waiting for the next run" in pending and "Who is counted" in pending
    run(root, ["dm-bp-local"], dates=editor_setup.DATES, worklists=False)
    done = client.get("/indicators/dm-bp-local/").content.decode()
    assert "How practices compare" in done and "Waiting for the next run" not in done
    assert "Version history" in done and record.version in done and "analyst2" in done


def test_a_change_is_marked_on_the_trend_and_waits_for_the_run(as_user, root):
    client = as_user("admin")
    changed = (LIBRARY / "dm-bp.yaml").read_text().replace("max: 140", "max: 150")
    assert client.post("/editor/dm-bp/publish/", {"definition": changed}).status_code == 302
    page = client.get("/indicators/dm-bp/").content.decode()
    assert "Waiting for the next run" in page and "figures on this page are still those of version" in page
    run(root, ["dm-bp"], dates=editor_setup.DATES, worklists=False)
    page = client.get("/indicators/dm-bp/?focus=programme").content.decode()
    assert "Waiting for the next run" not in page
    assert "Lines keyed D1, D2 … on the trend mark where the definition changed" in page
    # The change is drawn by the same marks as PDSA cycles and notes, on the trend's own x axis
    # (a temporal rule on the SPC chart's ordinal axis of dates drew "0NaN" on the axis), and keyed
    # beside the chart.
    trend = json.loads(
        re.search(r'<script type="application/json" id="spec-trend">(.*?)</script>', page, re.S).group(1)
    )
    x_encodings = [layer.get("encoding", {}).get("x", {}) for layer in trend["layer"]]
    x_types = {x["type"] for x in x_encodings if "field" in x}
    assert len(x_types) == 1, x_types
    marked = [layer for layer in trend["layer"] if layer.get("data", {}).get("values", [{}])[0].get("kind")]
    assert marked and {v["kind"] for v in marked[0]["data"]["values"]} == {"definition"}
    points = {v["date"] for v in trend["layer"][0]["data"]["values"]}
    assert {v["date"] for v in marked[0]["data"]["values"]} <= points
    assert "D1" in page and "Definition changed (version" in page


def test_a_programme_can_require_a_second_person(as_user, root):
    config = root / "gpqi.toml"
    config.write_text(config.read_text() + "\n[indicators]\nrequire_checked_by = true\n")
    client = as_user("analyst")
    before = _tree(root)
    refused = client.post("/editor/dm-bp-local/publish/", {"definition": _local_copy()})
    assert refused.status_code == 400 and b"a second person has checked it" in refused.content
    himself = client.post(
        "/editor/dm-bp-local/publish/", {"definition": _local_copy(), "checked_by": "analyst"}
    )
    assert himself.status_code == 400 and b"not yourself" in himself.content
    assert _tree(root) == before
    ok = client.post("/editor/dm-bp-local/publish/", {"definition": _local_copy(), "checked_by": "analyst2"})
    assert ok.status_code == 302


def test_codelist_upload_refuses_mangled_codes_and_adds_a_good_list(as_user, root, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_user("analyst")
    before = _tree(root)
    bad = SimpleUploadedFile(
        "download.csv", b"code,term\n271636001,Pulse regular\n2.71636E+08,x\n", "text/csv"
    )
    refused = client.post("/editor/codelists/", {"file": bad, "slug": "pulse", "system": "snomedct"})
    assert refused.status_code == 400
    assert (
        b"download.csv: row 3, field &#39;code&#39;: &#39;2.71636E+08&#39; is in scientific notation"
        in refused.content
    )
    assert _tree(root) == before
    good = SimpleUploadedFile("download.csv", b"code,term\n271636001,Pulse regular (finding)\n", "text/csv")
    added = client.post("/editor/codelists/", {"file": good, "slug": "pulse", "system": "snomedct",
                                               "source": "https://www.opencodelists.org/codelist/user/me/pulse/abc1/"})  # fmt: skip
    assert added.status_code == 200 and b"Added <strong>pulse</strong>: 1 codes" in added.content
    text = (LIBRARY / "pulse-check-65.yaml").read_text().replace("id: pulse-check-65", "id: my-pulse")
    text = text.replace("codelist: pulse-rhythm-check", "codelist: pulse")
    checked = client.post("/editor/my-pulse/check/", {"definition": text}, **HX).content.decode()
    assert "The definition is valid" in checked
