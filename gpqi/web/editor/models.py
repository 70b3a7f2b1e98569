"""Publication: one definition published to the workspace library from the editor.

Append-only like the audit log of patient-level data (`save()` on an existing row, `delete()`
and the queryset's `update()`/`delete()` raise), so the record of who changed an indicator,
when, who checked it and what changed cannot be rewritten from the application.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from gpqi.web.accounts.models import Role
from gpqi.web.audit.models import AppendOnlyError, AuditQuerySet

# Who may author and publish indicators: the analyst (whose job it is) and the administrator.
EDITOR_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


class Publication(models.Model):
    indicator_id = models.CharField(max_length=60, db_index=True)
    version = models.CharField(max_length=20)
    previous_version = models.CharField(max_length=20, blank=True, help_text="Empty for a new indicator.")
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_by = models.CharField(max_length=150)
    role = models.CharField(max_length=20, blank=True)
    checked_by = models.CharField(max_length=150, blank=True)
    diff = models.TextField(help_text="Unified diff from the previous definition.")
    sha256 = models.CharField(max_length=64, help_text="Of the file as written.")

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        default_permissions = ("view",)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Publications cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Publications cannot be deleted")
