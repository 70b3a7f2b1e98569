"""The QI projects header item: everyone signed in may see the register (filtered to their scope)."""

from gpqi.web.navigation import NavItem, register

register(NavItem("QI projects", "projects:list", lambda a: True, order=47))
