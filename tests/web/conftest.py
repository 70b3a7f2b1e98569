"""A small programme for the web tests: a results-only workspace (12 practices in 3 networks,
4 indicators incl. one operational, 3 years monthly), synced into the test database, with
agreements chosen to exercise every rule and one user per role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import RequestFactory

from gpqi.programmes.results_only import ResultsOnlyConfig, library_specs, write_results_only

PASSWORD = "a-long-test-password-1"
# The library's own definitions and versions, as a programme that followed the docs would have
# (another version would put each indicator page in "Waiting for the next run").
SPECS = tuple(
    next(s for s in library_specs() if s.id == ind)
    for ind in ("pulse-check-65", "hyp-bp-79", "dm-hba1c", "dna-all")
)


@pytest.fixture(scope="session")
def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("web-ws")
    write_results_only(
        root,
        ResultsOnlyConfig(
            practices=12,
            seed=3,
            network_size=(4, 4),
            networks_per_sub_icb=2,
            start=dt.date(2023, 1, 31),
            end=dt.date(2025, 12, 31),
            indicators=SPECS,
            name="Test programme",
        ),
    )
    return root


@dataclass(frozen=True)
class Programme:
    root: Path
    own: str  # the clinician's practice (named, active)
    suspended: str  # agreement suspended: never in shared views
    no_agreement: str  # no agreement at all
    named_peer: str  # permits identifiable comparison
    anonymous_peer: str  # active, not identifiable
    facilitated: tuple[str, ...]
    network: str  # the own practice's network (network lead's scope)


@pytest.fixture
def programme(db, settings, workspace_root: Path) -> Programme:  # noqa: ANN001
    from django.contrib.auth.models import User

    from gpqi.web.accounts.models import Profile, Role
    from gpqi.web.governance.models import Agreement, Network, Practice
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = workspace_root
    # A production password hash takes ~0.7 s on purpose; seven users and a login per test made
    # most of the web tests' time. Tests hash with MD5 (never used outside tests).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sync_organisations(open_workspace(workspace_root))
    codes = list(Practice.objects.order_by("code").values_list("code", flat=True))
    own, suspended, no_agreement, named_peer, anonymous_peer = (
        codes[0],
        codes[1],
        codes[4],
        codes[5],
        codes[8],
    )
    for code in codes:
        if code == no_agreement:
            continue
        Agreement.objects.create(
            practice=Practice.objects.get(code=code),
            status=Agreement.SUSPENDED if code == suspended else Agreement.ACTIVE,
            start_date=dt.date(2020, 1, 1),
            identifiable_comparison=code in (named_peer,),
            direct_care=True,
        )
    network = Practice.objects.get(code=own).network
    facilitated = (codes[2], codes[6])
    users = {
        "analyst": (Role.ANALYST, {}),
        "clinician": (Role.CLINICIAN, {"practice": Practice.objects.get(code=own)}),
        "manager": (Role.PRACTICE_MANAGER, {"practice": Practice.objects.get(code=own)}),
        "facilitator": (Role.FACILITATOR, {}),
        "networklead": (Role.NETWORK_LEAD, {"network": network}),
        "iglead": (Role.IG_LEAD, {}),
        "admin": (Role.ADMIN, {}),
    }
    for username, (role, scope) in users.items():
        user = User.objects.create_user(
            username, password=PASSWORD, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN
        )
        profile = Profile.objects.create(user=user, role=role, **scope)
        if role == Role.FACILITATOR:
            profile.practices.set(Practice.objects.filter(code__in=facilitated))
    assert Network.objects.count() == 3
    return Programme(
        workspace_root, own, suspended, no_agreement, named_peer, anonymous_peer, facilitated, network.code
    )


ROLES = ("analyst", "clinician", "manager", "facilitator", "networklead", "iglead", "admin")


@pytest.fixture
def login(client, programme):  # noqa: ANN001, ANN201
    def _login(username: str):  # noqa: ANN202
        client.logout()
        # The login throttle (django-axes) needs the request, which Client.login does not give.
        request = RequestFactory().post("/accounts/login/")
        assert client.login(request=request, username=username, password=PASSWORD)
        return client

    return _login


@dataclass(frozen=True)
class CampaignSetup:
    campaign: object  # gpqi.web.campaigns.models.Campaign (active)
    draft: object  # a draft campaign: central team only
    counts: object  # pandas: org_code, reporting_date, numerator, denominator (every practice)


@pytest.fixture
def campaign(programme) -> CampaignSetup:  # noqa: ANN001
    """An active flu campaign with eight weeks of series results (tests/web/campaign_data.py)."""
    from gpqi.web.governance.models import Practice
    from gpqi.workspace import open_workspace
    from tests.web import campaign_data

    codes = list(Practice.objects.order_by("code").values_list("code", flat=True))
    frame = campaign_data.write_series(open_workspace(programme.root), codes, programme.anonymous_peer)
    active = campaign_data.create_campaign()
    draft = campaign_data.create_campaign(name="Draft campaign", status="draft")
    return CampaignSetup(active, draft, frame)


def _project(code: str, title: str, **extra):  # noqa: ANN202
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import PdsaCycle, Project

    p = Project.objects.create(
        title=title,
        indicator_id="hyp-bp-79",
        aim_from=50,
        aim_to=70,
        aim_by=dt.date(2026, 3, 31),
        team="Dr Alice Example (GP lead)",
        status=Project.ACTIVE,
        **extra,
    )
    p.practices.set(Practice.objects.filter(code=code))
    PdsaCycle.objects.create(
        project=p, title=f"{title} cycle", start=dt.date(2025, 3, 1), plan="Call patients"
    )
    return p


@pytest.fixture
def projects(programme):  # noqa: ANN001, ANN201
    """A project at the clinician's practice, a facilitated one, an anonymous peer's, a named
    peer's and one at the practice whose agreement is suspended."""
    from gpqi.web.governance.models import Practice
    from gpqi.web.projects.models import Annotation

    for i, code in enumerate((programme.own, programme.anonymous_peer, programme.suspended)):
        Annotation.objects.create(
            practice=Practice.objects.get(code=code), date=dt.date(2024, 5, 1), text=f"Note {i}"
        )
    return {
        "own": _project(programme.own, "Own practice BP recall"),
        "facilitated": _project(programme.facilitated[0], "Facilitated BP clinic"),
        "anonymous": _project(programme.anonymous_peer, "Anonymous peer BP texts"),
        "named": _project(programme.named_peer, "Named peer BP group"),
        "suspended": _project(programme.suspended, "Suspended practice project"),
    }
