"""The append-only audit trail of patient-level data: every view and download of a worklist
(and every download of the audit log itself) writes one `AuditRecord` before the data is sent.
The IG lead searches and downloads it at /audit/. Records are never updated or deleted: the
model and its queryset refuse, and database triggers (installed by the migration) refuse too."""
