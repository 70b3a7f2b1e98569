"""Database triggers that make the audit table append-only whatever the client: any UPDATE or
DELETE on it aborts. Installed by migration 0001 for SQLite and PostgreSQL (the two databases
gpqi supports); another database is refused rather than left unguarded.

TRUNCATE and DROP are table-owner operations outside the application's reach; in production run
the app as a role that does not own the table (docs/security.md gives the GRANTs).
"""

from __future__ import annotations

from typing import Any

TABLE = "audit_auditrecord"
MESSAGE = "audit records are append-only"

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

POSTGRES_INSTALL = [
    "CREATE OR REPLACE FUNCTION gpqi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP; END $$",
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION gpqi_audit_append_only()",
]
POSTGRES_REMOVE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS gpqi_audit_append_only()",
]

STATEMENTS = {
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
    "postgresql": (POSTGRES_INSTALL, POSTGRES_REMOVE),
}


def _statements(vendor: str, which: int) -> list[str]:
    if vendor not in STATEMENTS:
        raise RuntimeError(
            f"gpqi's audit log needs append-only triggers, written for SQLite and PostgreSQL only; "
            f"the database is {vendor}"
        )
    return STATEMENTS[vendor][which]


def install(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, 0):
            cursor.execute(sql)


def remove(connection: Any) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, 1):
            cursor.execute(sql)


def installed(connection: Any) -> bool:
    """Whether the triggers are in place (a migration that rebuilds the table would drop them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
            return cursor.fetchone()[0] == 2
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE]
        )
        return cursor.fetchone()[0] == 1
