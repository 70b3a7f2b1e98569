"""QI projects: who may see, register and edit projects, PDSA cycles and annotations (every role),
the history of every change, and the marks on the right charts."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from tests.web.conftest import ROLES
from tests.web.text import mentions

INDICATOR = "hyp-bp-79"


# which projects each role may edit (the rest: 403 if visible, 404 if not)
EDITS = {
    "clinician": {"own"},
    "manager": {"own"},
    "facilitator": {"facilitated"},
    "networklead": {"own"},  # the own practice's network; the others are in other networks
    "analyst": {"own", "facilitated", "anonymous", "named", "suspended"},
    "iglead": {"own", "facilitated", "anonymous", "named", "suspended"},
    "admin": {"own", "facilitated", "anonymous", "named", "suspended"},
}


@pytest.mark.parametrize("username", ROLES)
def test_edit_permissions_for_every_role(login, programme, projects, username):
    from gpqi.web.governance.models import Practice

    client = login(username)
    network_codes = set(
        Practice.objects.filter(network__code=programme.network).values_list("code", flat=True)
    )
    for key, p in projects.items():
        may = key in EDITS[username]
        if username == "networklead":
            may = p.practice_codes()[0] in network_codes
        edit = client.get(f"/projects/{p.pk}/edit/")
        cycle = client.get(f"/projects/{p.pk}/cycles/new/")
        if may:
            assert edit.status_code == 200 and cycle.status_code == 200, (username, key)
        else:
            visible = key != "suspended"
            expected = 403 if visible else 404
            assert edit.status_code == expected and cycle.status_code == expected, (
                username,
                key,
                edit.status_code,
            )
            # nor can they post an edit
            r = client.post(f"/projects/{p.pk}/cycles/new/", {"title": "x", "start": "2025-05-01"})
            assert r.status_code == expected
            assert not p.cycles.filter(title="x").exists()


def test_suspended_practice_project_hidden_from_peers(login, projects):
    # (the suspended practice's network lead edits its projects, so sees them: tested above)
    for username in ("clinician", "facilitator"):
        client = login(username)
        assert client.get(f"/projects/{projects['suspended'].pk}/").status_code == 404
        text = client.get("/projects/").content.decode()
        assert "Suspended practice project" not in text
    # the central team edits it (it is theirs) and sees it
    assert login("analyst").get(f"/projects/{projects['suspended'].pk}/").status_code == 200


def test_peers_see_projects_by_pseudonym_and_no_team(login, programme, projects):
    from gpqi.web.governance.models import Practice

    anon = Practice.objects.get(code=programme.anonymous_peer)
    named = Practice.objects.get(code=programme.named_peer)
    client = login("clinician")
    listing = client.get("/projects/").content.decode()
    assert mentions(listing, anon.pseudonym) and not mentions(listing, anon.name)
    assert mentions(listing, named.name)
    page = client.get(f"/projects/{projects['anonymous'].pk}/").content.decode()
    assert not mentions(page, anon.name) and "Dr Alice Example" not in page
    assert "History" not in page  # who edited it would identify the practice too
    own = client.get(f"/projects/{projects['own'].pk}/").content.decode()
    assert "Dr Alice Example" in own


def test_search_by_indicator_practice_and_status(login, programme, projects):
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Project

    Project.objects.filter(pk=projects["named"].pk).update(status=Project.COMPLETED, indicator_id="dm-hba1c")
    client = login("analyst")

    def titles(query: str) -> set[str]:
        text = client.get("/projects/?" + query).content.decode()
        return {t for t in (p.title for p in projects.values()) if t in text}

    assert titles("status=completed") == {"Named peer BP group"}
    assert titles("indicator=dm-hba1c") == {"Named peer BP group"}
    assert "Named peer BP group" not in titles(f"indicator={INDICATOR}")
    own = Practice.objects.get(code=programme.own).name
    assert titles("practice=" + own) == {"Own practice BP recall"}
    # a peer cannot search by a pseudonymised practice's name (it matches nothing)
    anon = Practice.objects.get(code=programme.anonymous_peer).name
    assert titles("practice=" + anon) == {
        p.title for p in projects.values() if p.practice_codes()[0] == programme.anonymous_peer
    }
    assert login("clinician").get("/projects/?practice=" + anon).content.decode().count("BP texts") == 0


def test_register_edit_and_history(login, programme):
    from gpqi.web.projects.models import Change, Project

    client = login("manager")
    form = {
        "title": "Fewer missed appointments",
        "indicator_id": "dna-all",
        "aim_from": "8",
        "aim_to": "5",
        "aim_by": "2026-06-30",
        "practices": [],
        "status": "planning",
        "progress_score": "1.0",
    }
    from gpqi.web.governance.models import Practice

    own_pk = Practice.objects.get(code=programme.own).pk
    bad = client.post("/projects/new/", {**form, "aim_to": "150", "practices": [own_pk]})
    assert bad.status_code == 200 and "between 0 and 100" in bad.content.decode()
    # a practice that is not theirs is not a valid choice
    other = Practice.objects.get(code=programme.anonymous_peer).pk
    assert client.post("/projects/new/", {**form, "practices": [other]}).status_code == 200
    assert not Project.objects.exists()
    r = client.post("/projects/new/", {**form, "practices": [own_pk]})
    assert r.status_code == 302
    p = Project.objects.get()
    r = client.post(
        f"/projects/{p.pk}/edit/",
        {**form, "practices": [own_pk], "status": "active", "progress_score": "2.0"},
    )
    assert r.status_code == 302
    r = client.post(
        f"/projects/{p.pk}/cycles/new/",
        {"title": "Text reminders 48 hours ahead", "start": "2025-06-01", "plan": "Text everyone"},
    )
    assert r.status_code == 302
    changes = list(Change.objects.order_by("at", "pk"))
    assert [(c.object_type, c.action) for c in changes] == [
        ("project", "created"),
        ("project", "updated"),
        ("cycle", "created"),
    ]
    assert all(c.username == "manager" for c in changes)
    assert changes[1].fields == {"progress_score": ["1.0", "2.0"], "status": ["planning", "active"]}
    page = client.get(f"/projects/{p.pk}/").content.decode()
    assert "History" in page and "manager" in page
    # history is append-only
    with pytest.raises(ValueError):
        changes[0].save()
    with pytest.raises(ValueError):
        changes[0].delete()


def _specs(html: str) -> dict[str, dict]:
    out = {}
    for name, body in re.findall(
        r'<script type="application/json" id="spec-([^"]+)">(.*?)</script>', html, re.S
    ):
        out[name] = json.loads(body)
    return out


def test_project_charts_mark_its_cycles_and_the_practice_notes(login, programme, projects):
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Annotation, PdsaCycle

    own = Practice.objects.get(code=programme.own)
    Annotation.objects.create(practice=own, date=dt.date(2024, 6, 15), text="New BP template installed")
    Annotation.objects.create(
        practice=own, indicator_id="dm-hba1c", date=dt.date(2024, 7, 1), text="HbA1c only"
    )
    other = Practice.objects.get(code=programme.facilitated[0])
    Annotation.objects.create(practice=other, date=dt.date(2024, 8, 1), text="Other practice note")
    PdsaCycle.objects.create(project=projects["own"], title="Second test", start=dt.date(2025, 6, 1))
    html = login("clinician").get(f"/projects/{projects['own'].pk}/").content.decode()
    specs = _specs(html)
    assert len(specs) == 1
    marks = next(iter(specs.values()))["usermeta"]["gpqi"]["marks"]
    assert [(m["key"], m["on"]) for m in marks] == [
        ("N1", "2024-05-01"),
        ("N2", "2024-06-15"),
        ("P1", "2025-03-01"),
        ("P2", "2025-06-01"),
    ]
    assert "HbA1c only" not in html and "Other practice note" not in html


def test_limits_recalculated_from_the_change_date(login, programme, projects):
    from gpqi.web.projects.models import Project

    client = login("clinician")

    def groups() -> set:
        spec = next(iter(_specs(client.get(f"/projects/{projects['own'].pk}/").content.decode()).values()))
        return {r["group"] for r in spec["layer"][0]["data"]["values"]}

    assert groups() == {0}
    Project.objects.filter(pk=projects["own"].pk).update(limits_from=dt.date(2025, 3, 1))
    assert groups() == {0, 1}


def test_annotation_permissions(login, programme):
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Annotation, Change

    own = Practice.objects.get(code=programme.own)
    anon = Practice.objects.get(code=programme.anonymous_peer)
    client = login("clinician")
    r = client.post("/projects/annotations/new/", {"practice": anon.pk, "date": "2025-01-01", "text": "x"})
    assert r.status_code == 200 and not Annotation.objects.exists()  # not a valid choice
    r = client.post(
        "/projects/annotations/new/", {"practice": own.pk, "date": "2025-01-01", "text": "Locum left"}
    )
    assert r.status_code == 302
    note = Annotation.objects.get()
    # the facilitator (not this practice's) may not delete it; the practice manager may
    assert login("facilitator").post(f"/projects/annotations/{note.pk}/delete/").status_code == 404
    assert login("manager").post(f"/projects/annotations/{note.pk}/delete/").status_code == 302
    assert not Annotation.objects.exists()
    assert [c.action for c in Change.objects.order_by("pk")] == ["created", "deleted"]
    # roles with no practice of their own: nothing to annotate
    assert login("facilitator").get("/projects/annotations/new/").status_code == 200


def test_indicator_page_marks_the_focus_practice_projects(login, programme, projects):
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Annotation

    Annotation.objects.create(
        practice=Practice.objects.get(code=programme.facilitated[0]), date=dt.date(2024, 9, 1), text="Theirs"
    )
    html = login("clinician").get(f"/indicators/{INDICATOR}/?focus={programme.own}").content.decode()
    marks = _specs(html)["trend"]["usermeta"]["gpqi"]["marks"]
    assert [m["label"] for m in marks] == [
        "Note 0",
        "PDSA: Own practice BP recall cycle (Own practice BP recall)",
    ]
    assert "Theirs" not in html
    # the facilitator's practice page lists its project and its note
    page = login("facilitator").get(f"/practices/{programme.facilitated[0]}/").content.decode()
    assert "Facilitated BP clinic" in page and "Theirs" in page and "Own practice BP recall" not in page
    # a network focus marks no practice's notes
    html = (
        login("networklead")
        .get(f"/indicators/{INDICATOR}/?focus=network:{programme.network}")
        .content.decode()
    )
    assert "marks" not in _specs(html)["trend"]["usermeta"]["gpqi"]
