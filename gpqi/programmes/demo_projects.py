"""The demo's QI projects: on the improvement programme's practices (read from the synthetic
extract's manifest), one network project on pulse checks in the over-65s per programme network
and one practice project on blood pressure in diabetes, each with PDSA cycles from the
programme's start, so their charts show the rise the synthetic data builds in; plus a note on the
first practice's charts; a meeting pack for one network (WS/packs/); and the demo users' subscriptions to the monthly alerts digest. Imported once Django is set up (like `demo_accounts`); safe to repeat:
nothing is added once the demo has projects."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.contrib.auth.models import User

from gpqi.access import scope
from gpqi.access.focus import Focus
from gpqi.access.results import store_for
from gpqi.reports.pack import pdf
from gpqi.web.alerts.models import Subscription
from gpqi.web.governance.models import Practice
from gpqi.web.packs.build import build_document
from gpqi.web.permissions import governance
from gpqi.web.projects import history
from gpqi.web.projects.models import Annotation, PdsaCycle, Project
from gpqi.workspace import Workspace

CYCLES = (  # (months after the programme start, change tested, plan, study, act)
    (
        0,
        "Pulse check on the over-65s' long-term condition template",
        "Add a pulse check prompt for everyone 65 and over; predict 10 more checks a week",
        "Checks rose in the first month, mostly at nurse reviews",
        "Adopt; extend to GP appointments",
    ),
    (
        4,
        "Opportunistic checks at flu clinics",
        "Check pulses at every flu clinic appointment",
        "Many first checks in October and November",
        "Adopt for every flu season",
    ),
    (
        12,
        "Recall letters to the over-75s never checked",
        "Write to everyone over 75 with no pulse check on record",
        "Replies were slow; telephone recall worked better",
        "Adapt: telephone first, letter second",
    ),
)


def _programme(ws: Workspace) -> dict | None:
    path = ws.root / "demo-extract" / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8")).get("programme")


def _months(day: dt.date, n: int) -> dt.date:
    y, m = divmod(day.month - 1 + n, 12)
    return dt.date(day.year + y, m + 1, 1)


def setup_projects(ws: Workspace) -> int:
    """Create the demo projects once; returns how many projects the demo has."""
    if Project.objects.exists():
        return Project.objects.count()
    programme = _programme(ws)
    if not programme or not programme.get("practices"):
        return 0
    start = dt.date.fromisoformat(programme["start"])
    author = (
        User.objects.filter(username="facilitator").first() or User.objects.filter(is_superuser=True).first()
    )
    practices = list(Practice.objects.filter(code__in=programme["practices"]).select_related("network"))
    by_network: dict[str, list[Practice]] = {}
    for p in practices:
        by_network.setdefault(p.network.code, []).append(p)
    for code, members in sorted(by_network.items()):
        project = Project.objects.create(
            title=f"Pulse checks in the over-65s: network {code}",
            indicator_id="pulse-check-65",
            aim_from=40,
            aim_to=80,
            aim_by=_months(start, 36),
            network=members[0].network,
            team="Network clinical lead\nPractice nurse leads\nQI coach",
            change_ideas="Template prompt\nChecks at flu clinics\nTelephone recall of the over-75s",
            status=Project.SUSTAINING,
            progress_score="4.0",
            limits_from=start,
            created_by=author,
        )
        project.practices.set(members)
        for months, title, plan, study, act in CYCLES:
            PdsaCycle.objects.create(
                project=project,
                title=title,
                start=_months(start, months),
                end=_months(start, months + 3),
                plan=plan,
                do="Carried out as planned at every practice of the network",
                study=study,
                act=act,
                learning=study,
            )
        history.record(
            author, project, "created", {}, history.fields_of(project), project, [p.code for p in members]
        )
    first = sorted(practices, key=lambda p: p.code)[0]
    bp = Project.objects.create(
        title="Blood pressure control in diabetes",
        indicator_id="dm-bp",
        aim_from=60,
        aim_to=75,
        aim_by=_months(start, 24),
        team="GP lead for diabetes\nHealthcare assistant",
        change_ideas="Home blood pressure monitors\nMedication review after two high readings",
        status=Project.ACTIVE,
        progress_score="3.0",
        created_by=author,
    )
    bp.practices.set([first])
    PdsaCycle.objects.create(
        project=bp,
        title="Home blood pressure monitors on loan",
        start=_months(start, 6),
        plan="Lend monitors to patients with two high clinic readings",
        study="Readings came back for most patients within two weeks",
        act="Adopt",
    )
    history.record(author, bp, "created", {}, history.fields_of(bp), bp, [first.code])
    Annotation.objects.create(
        practice=first,
        date=_months(start, -2),
        text="New long-term conditions template installed",
        created_by=author,
    )
    return Project.objects.count()


ALERT_SUBSCRIBERS = ("clinician", "manager", "facilitator", "networklead")


def setup_alert_subscriptions() -> int:
    """Subscribe the demo's practice-facing users to the monthly alerts digest (with an example
    address where they have none); returns how many are subscribed."""
    for user in User.objects.filter(username__in=ALERT_SUBSCRIBERS):
        if not user.email:
            user.email = f"{user.username}@example.org"  # reserved for examples (RFC 2606)
            user.save(update_fields=["email"])
        Subscription.objects.get_or_create(user=user)
    return Subscription.objects.filter(active=True).count()


def write_network_pack(ws: Workspace) -> Path | None:
    """The demo's meeting pack: the first improvement-programme network at the latest month, as
    its network lead would see it, in WS/packs/ (kept once written). None without a programme."""
    programme = _programme(ws)
    if not programme or not programme.get("networks"):
        return None
    network = sorted(programme["networks"])[0]
    store = store_for(ws)
    month = f"{store.latest_date():%Y-%m}"
    out = ws.root / "packs" / f"meeting-pack-{network}-{month}.pdf"
    if out.exists():
        return out
    access = scope.scope_for(governance(), scope.NETWORK_LEAD, network=network)
    data = pdf(build_document(ws, access, Focus.network(network), month))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return out
