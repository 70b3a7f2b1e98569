"""Every change to a project, PDSA cycle or annotation, kept with who and when (`Change`).

`fields_of` takes a model's field values as plain JSON (many-to-many as sorted codes) before and
after an edit; `record` writes one append-only `Change` with the fields that differ. Views call
it in the same transaction as the save, so a change is never stored without its record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from gpqi.web.projects.models import Change, Project

SKIP = {"id", "created_at", "updated_at", "created_by"}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(getattr(value, "code", value.pk))
    return value


def fields_of(obj: models.Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in SKIP:
            continue
        out[f.name] = _plain(getattr(obj, f.name))
    if obj.pk is not None:
        for f in obj._meta.many_to_many:
            out[f.name] = sorted(_plain(o) for o in getattr(obj, f.name).all())
    return out


def record(
    user: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    project: Project | None,
    practice_codes: list[str],
) -> Change | None:
    changed = {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }
    if action == "updated" and not changed:
        return None
    return Change.objects.create(
        project=project,
        practice_codes=sorted(practice_codes),
        object_type={"project": "project", "pdsacycle": "cycle", "annotation": "annotation"}[
            obj._meta.model_name
        ],
        object_id=obj.pk,
        action=action,
        fields=changed,
        user=user if getattr(user, "is_authenticated", False) else None,
        username=user.get_username() if getattr(user, "is_authenticated", False) else "",
    )
