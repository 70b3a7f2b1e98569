"""The audit log's header item: for the roles that may search it (`AUDIT_ROLES`)."""

from gpqi.web.audit.models import AUDIT_ROLES
from gpqi.web.navigation import NavItem, register

register(NavItem("Audit log", "audit:search", lambda a: a.role in AUDIT_ROLES, order=85))
