"""A programme for the editor tests: a real snapshot (so previews evaluate), results for two
dates, organisations synced, agreements in force, and one user per role that matters here."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from gpqi.engine import run
from tests.engine.test_preview import _dataset
from tests.spec.builder import write_snapshot
from tests.web.conftest import PASSWORD

DATES = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]


def template(root: Path) -> Path:
    """Write the snapshot and its results once; tests copy the folder."""
    ws = write_snapshot(root, _dataset())
    run(ws, ["dm-bp", "dna-all"], dates=DATES, worklists=False)
    return root


def programme(template_root: Path, target: Path, settings) -> Path:  # noqa: ANN001
    from django.contrib.auth.models import User

    from gpqi.web import ws as web_ws
    from gpqi.web.accounts.models import Profile, Role
    from gpqi.web.governance.models import Agreement, Practice
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.workspace import open_workspace

    shutil.copytree(template_root, target)
    settings.WORKSPACE = target
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    web_ws._cache.clear()
    sync_organisations(open_workspace(target))
    for practice in Practice.objects.all():
        Agreement.objects.create(practice=practice, status=Agreement.ACTIVE, start_date=dt.date(2020, 1, 1),
                                 direct_care=True)  # fmt: skip
    users = {
        "analyst": (Role.ANALYST, {}),
        "analyst2": (Role.ANALYST, {}),
        "admin": (Role.ADMIN, {}),
        "iglead": (Role.IG_LEAD, {}),
        "facilitator": (Role.FACILITATOR, {}),
        "clinician": (Role.CLINICIAN, {"practice": Practice.objects.get(code="P1")}),
        "manager": (Role.PRACTICE_MANAGER, {"practice": Practice.objects.get(code="P1")}),
    }
    for username, (role, scope) in users.items():
        user = User.objects.create_user(username, password=PASSWORD, is_staff=role == Role.ADMIN,
                                        is_superuser=role == Role.ADMIN)  # fmt: skip
        Profile.objects.create(user=user, role=role, **scope)
    return target
