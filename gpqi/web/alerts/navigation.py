"""The alerts header item: everyone signed in may subscribe (for their own practices)."""

from gpqi.web.navigation import NavItem, register

register(NavItem("Alerts", "alerts:page", lambda a: bool(a.own), order=90))
