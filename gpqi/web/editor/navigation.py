"""The editor's header item: for the roles that author indicators (`EDITOR_ROLES`)."""

from gpqi.web.editor.models import EDITOR_ROLES
from gpqi.web.navigation import NavItem, register

register(NavItem("Indicator editor", "editor:index", lambda a: a.role in EDITOR_ROLES, order=80))
