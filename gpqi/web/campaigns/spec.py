"""Campaigns as YAML files, so an analyst can set one up without the admin pages:

    name: "Flu 2025/26: 65 and over"
    indicator: flu-65
    series: campaign-flu-2025
    start: 2025-10-01
    end: 2026-03-31
    target: 0.75
    target_date: 2026-01-31        # optional; default the end date
    target_source: WHO goal ...     # optional
    status: active                  # draft (default), active or closed
    tip: ...                        # optional
    practice_targets: {A81001: 0.7} # optional per-practice overrides
    recipients: [networklead, manager]   # optional usernames

`load(path)` validates the file (Pydantic, then the model's own checks) and raises SpecError with
the file and the field at fault; `create(spec)` stores it (one transaction: all or nothing).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SpecError(ValueError):
    """A campaign file is missing, malformed or refers to something unknown."""


class CampaignSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    indicator: str = Field(min_length=1, max_length=100)
    series: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    start: dt.date
    end: dt.date
    target: float = Field(ge=0, le=1)
    target_date: dt.date | None = None
    target_source: str = Field("", max_length=300)
    status: Literal["draft", "active", "closed"] = "draft"
    tip: str = Field("", max_length=1000)
    practice_targets: dict[str, float] = {}
    recipients: list[str] = []


def load(path: Path) -> CampaignSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: expected a mapping of fields (name, indicator, series, ...)")
    try:
        spec = CampaignSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()
        )
        raise SpecError(f"{path}: {problems}") from None
    for code, value in spec.practice_targets.items():
        if not 0 <= value <= 1:
            raise SpecError(f"{path}: practice_targets.{code}: must be between 0 and 1")
    return spec


def create(spec: CampaignSpec, where: str = "campaign"):  # noqa: ANN201 - a Campaign
    """Store a validated spec as a Campaign (SpecError naming the field if the app database
    disagrees: unknown indicator, practice or user, bad dates, a name already used)."""
    from django.contrib.auth.models import User
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.db import transaction

    from gpqi.web.campaigns.models import Campaign, PracticeTarget
    from gpqi.web.governance.models import Practice

    campaign = Campaign(
        name=spec.name,
        indicator_id=spec.indicator,
        series=spec.series,
        start=spec.start,
        end=spec.end,
        target=spec.target,
        target_date=spec.target_date,
        target_source=spec.target_source,
        status=spec.status,
        tip=spec.tip,
    )
    field_names = {"indicator_id": "indicator"}
    try:
        campaign.full_clean()
    except DjangoValidationError as exc:
        problems = "; ".join(f"{field_names.get(k, k)}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise SpecError(f"{where}: {problems}") from None
    practices = {p.code: p for p in Practice.objects.filter(code__in=list(spec.practice_targets))}
    unknown = sorted(set(spec.practice_targets) - set(practices))
    if unknown:
        raise SpecError(f"{where}: practice_targets: unknown practice {', '.join(unknown)}")
    users = {u.username: u for u in User.objects.filter(username__in=spec.recipients)}
    missing = [u for u in spec.recipients if u not in users]
    if missing:
        raise SpecError(f"{where}: recipients: unknown user {', '.join(missing)}")
    with transaction.atomic():
        campaign.save()
        for code, value in spec.practice_targets.items():
            PracticeTarget.objects.create(campaign=campaign, practice=practices[code], value=value)
        campaign.recipients.set(list(users.values()))
    return campaign
