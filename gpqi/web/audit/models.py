"""AuditRecord: who saw or downloaded which patient-level data, when, and how much.

Append-only at two levels, so neither a bug nor a shell session can rewrite history:
- the application: `save()` on an existing record, `delete()`, and the queryset's `update()`,
  `delete()` and `bulk_update()` raise `AppendOnlyError`;
- the database: triggers created by migration 0001 (`gpqi.web.audit.dbguard`) abort any UPDATE
  or DELETE on the table, whatever the client.

The user is kept as an id and a username snapshot, not a foreign key, so deleting a user later
neither needs to touch audit rows (the triggers would refuse) nor loses who it was. Records hold
no patient identifiers: only counts, and the path without its query string (a search box could
hold a name).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from gpqi.web.accounts.models import Role

# Who may search and download the audit log: the IG lead (whose job it is) and the administrator
# (who runs the service and could read the database anyway). Nobody else.
AUDIT_ROLES = frozenset({Role.IG_LEAD, Role.ADMIN})


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit record."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit records cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit records cannot be deleted")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError("Audit records cannot be updated")

    def _raw_delete(self, using: Any) -> int:
        raise AppendOnlyError("Audit records cannot be deleted")

    _raw_delete.queryset_only = True  # type: ignore[attr-defined]


class AuditRecord(models.Model):
    VIEW, DOWNLOAD = "view", "download"
    ACTIONS = [(VIEW, "Viewed"), (DOWNLOAD, "Downloaded")]
    HTML, CSV, XLSX = "html", "csv", "xlsx"
    FORMATS = [(HTML, "Web page"), (CSV, "CSV"), (XLSX, "XLSX")]
    WORKLIST, AUDIT_LOG = "worklist", "audit_log"
    SUBJECTS = [(WORKLIST, "Worklist"), (AUDIT_LOG, "Audit log")]

    timestamp = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True, help_text="The user's id when the record was written.")
    username = models.CharField(max_length=150, db_index=True)
    role = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=20, choices=SUBJECTS)
    action = models.CharField(max_length=10, choices=ACTIONS)
    format = models.CharField(max_length=8, choices=FORMATS)
    practice_code = models.CharField(max_length=32, blank=True, db_index=True)
    indicator_id = models.CharField(max_length=100, blank=True)
    patient_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Patients in the page or file (worklists)."
    )
    record_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Audit records in the file (audit log downloads)."
    )
    path = models.CharField(max_length=500, help_text="The URL path, without its query string.")
    filters = models.CharField(max_length=500, blank=True, help_text="Filters applied (never search text).")
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        default_permissions = ("view",)  # no add/change/delete permissions exist to grant

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or self.pk is not None:
            raise AppendOnlyError("Audit records cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit records cannot be deleted")
