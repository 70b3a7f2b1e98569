"""The demo's people: agreements, one login per role and the flu campaign with its recipients.

Written into the web app's database, so this module is imported only once Django is set up
(`gpqi demo` builds the data first, then prepares the app database, then calls
`setup_governance`). The campaign's weekly results are `gpqi.programmes.demo_campaign`'s.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.contrib.auth.models import Permission, User

from gpqi.programmes.demo import EXTRACT
from gpqi.programmes.demo_campaign import SERIES
from gpqi.web.accounts.models import Profile, Role
from gpqi.web.campaigns.models import Campaign
from gpqi.web.governance.models import Agreement, ImprovementProgramme, Network, Practice
from gpqi.web.governance.sync import sync_organisations
from gpqi.workspace import Workspace, WorkspaceError

DEMO_PASSWORD = "demo-password-gpqi"  # printed on the terminal; a demo is not a live service
CAMPAIGN_NAME = "Flu 2025/26: 65 and over"
PROGRAMME_DESCRIPTION = (
    "Its practices share searches, templates and a facilitator, and meet monthly to compare "
    "their pulse checks, blood pressure and vaccination figures."
)
RECIPIENTS = ("networklead", "manager", "clinician", "facilitator")
TIP = (
    "Practices ahead of the trajectory phone everyone aged 75 and over who has not booked, "
    "and offer flu vaccination at every appointment, including telephone reviews."
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


def setup_governance(ws: Workspace) -> list[DemoLogin]:
    """Sync practices, set agreements (mostly active; some named, one suspended) and create one
    user per role. Safe to repeat: existing demo users and agreements are left as they are."""
    sync_organisations(ws)
    practices = list(Practice.objects.select_related("network").order_by("code"))
    if not practices:
        raise WorkspaceError(f"{ws.root}: the snapshot has no practices")
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
    programme = setup_improvement_programme(ws)
    improvement_network = programme.networks.order_by("code").first() if programme is not None else None
    home = practices[0]
    facilitated = [p for p in practices[1:] if p.network_id != home.network_id][:2] + [practices[1]]
    specs = [
        ("analyst", Role.ANALYST, {}, "the whole programme"),
        ("clinician", Role.CLINICIAN, {"practice": home}, f"{home.name} ({home.code})"),
        ("manager", Role.PRACTICE_MANAGER, {"practice": home}, f"{home.name} ({home.code})"),
        ("facilitator", Role.FACILITATOR, {}, ", ".join(p.code for p in facilitated)),
        ("networklead", Role.NETWORK_LEAD, {"network": home.network}, f"network {home.network.code}"),
        ("iglead", Role.IG_LEAD, {}, "the whole programme"),
        *(
            [
                (
                    "programmelead",
                    Role.NETWORK_LEAD,
                    {"network": improvement_network},
                    f"network {improvement_network.code}, in the {programme.name}",
                )
            ]
            if programme is not None and improvement_network is not None
            else []
        ),
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
    setup_campaign()
    return logins


def setup_improvement_programme(ws: Workspace) -> ImprovementProgramme | None:
    """The improvement programme the synthetic extract was generated with (its manifest names the
    networks and the start date), created once; None when the extract is not in the workspace."""
    manifest = ws.root / EXTRACT / "manifest.json"
    if not manifest.exists():
        return None
    info = json.loads(manifest.read_text()).get("programme") or {}
    networks = Network.objects.filter(code__in=info.get("networks", []))
    if not info.get("start") or not networks.exists():
        return None
    programme, created = ImprovementProgramme.objects.get_or_create(
        name=info.get("name") or "Improvement programme",
        defaults={
            "start_date": dt.date.fromisoformat(info["start"]),
            "description": PROGRAMME_DESCRIPTION,
        },
    )
    if created:
        programme.networks.set(networks)
    return programme


def setup_campaign() -> None:
    """Create the demo campaign once (later edits in the app are kept), with its recipients."""
    campaign, created = Campaign.objects.get_or_create(
        name=CAMPAIGN_NAME,
        defaults={
            "indicator_id": "flu-65",
            "series": SERIES,
            "start": dt.date(2025, 9, 1),
            "end": dt.date(2026, 3, 31),
            "target": 0.75,
            "target_date": dt.date(2026, 2, 28),
            "target_source": "WHO coverage goal for people aged 65 and over (75%), England's flu ambition",
            "status": Campaign.ACTIVE,
            "tip": TIP,
        },
    )
    if created:
        users = list(User.objects.filter(username__in=RECIPIENTS))
        for user in users:
            if not user.email:
                user.email = f"{user.username}@example.org"  # reserved for examples (RFC 2606)
                user.save(update_fields=["email"])
        campaign.recipients.set(users)
