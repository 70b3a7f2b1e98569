"""`gpqi demo`: build a demo programme (if the workspace has no results), its users and
agreements, then serve it.

The data comes from the real pipeline: `gpqi.synth.generate` (about 40 practices in 8 networks
and 2 sub-ICBs, ten years, an improvement programme in 2 networks) -> `gpqi.ingest` ->
`gpqi.engine.run` over monthly dates with worklists, plus a weekly series for the demo flu
campaign. A workspace that already has results (e.g. a results-only national programme for load
tests) is used as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gpqi.workspace import Workspace, WorkspaceError, init_workspace

DEMO_PASSWORD = "demo-password-gpqi"  # printed on the terminal; a demo is not a live service
DEMO_PRACTICES = 40
DEMO_PATIENTS = 40_000
DEMO_START, DEMO_END = dt.date(2016, 4, 1), dt.date(2026, 3, 31)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


def build_data(root: Path, say: Callable[[str], None]) -> Workspace:
    """Build the demo workspace's data unless it already has results, and the campaign series."""
    from gpqi.web.campaigns.demo import build_series  # the flu campaign's weekly series
    from gpqi.web.demo_pipeline import build_with_pipeline

    ws = init_workspace(root, name="Demo quality programme")
    if ws.results_path.exists():
        say(f"Using the results already in {root}")
    else:
        build_with_pipeline(ws, say)
    build_series(ws, say)
    return ws


def setup_governance(ws: Workspace) -> list[DemoLogin]:
    """Sync practices, set agreements (mostly active; some named, one suspended) and create one
    user per role. Safe to repeat: existing demo users and agreements are left as they are."""
    from django.contrib.auth.models import Permission, User

    from gpqi.web.accounts.models import Profile, Role
    from gpqi.web.governance.models import Agreement, Network, Practice
    from gpqi.web.governance.sync import sync_organisations

    sync_organisations(ws)
    practices = list(Practice.objects.select_related("network").order_by("code"))
    if not practices:
        raise WorkspaceError(f"{ws.root}: the snapshot has no practices")
    networks = list(Network.objects.order_by("code"))
    if not Agreement.objects.exists():
        start = dt.date(2016, 1, 1)
        for i, p in enumerate(practices):
            suspended = i == len(practices) - 1
            Agreement.objects.create(
                practice=p,
                status=Agreement.SUSPENDED if suspended else Agreement.ACTIVE,
                start_date=start,
                aggregate_benchmarking=True,
                identifiable_comparison=(i % 3 == 0),
                direct_care=True,
                notes="Demo agreement"
                + (": suspended to show exclusion from shared views" if suspended else ""),
            )
    home = practices[0]
    facilitated = [p for p in practices[1:] if p.network_id != home.network_id][:2] + [practices[1]]
    specs = [
        ("analyst", Role.ANALYST, {}, "the whole programme"),
        ("clinician", Role.CLINICIAN, {"practice": home}, f"{home.name} ({home.code})"),
        ("manager", Role.PRACTICE_MANAGER, {"practice": home}, f"{home.name} ({home.code})"),
        ("facilitator", Role.FACILITATOR, {}, ", ".join(p.code for p in facilitated)),
        ("networklead", Role.NETWORK_LEAD, {"network": home.network}, f"network {home.network.code}"),
        ("iglead", Role.IG_LEAD, {}, "the whole programme"),
        ("admin", Role.ADMIN, {}, "the whole programme (and the admin pages)"),
    ]
    logins = []
    for username, role, scope, text in specs:
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": role.label})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role in (Role.ADMIN, Role.IG_LEAD)
            user.is_superuser = role == Role.ADMIN
            user.save()
            profile = Profile.objects.create(user=user, role=role, **scope)
            if role == Role.FACILITATOR:
                profile.practices.set(facilitated)
            if role == Role.IG_LEAD:
                user.user_permissions.set(
                    Permission.objects.filter(
                        content_type__app_label="governance", codename__endswith="agreement"
                    )
                )
        logins.append(DemoLogin(username, role.label, text))
    del networks
    from gpqi.web.campaigns.demo import setup_campaign

    setup_campaign()
    return logins
