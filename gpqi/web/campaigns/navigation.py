"""The campaigns header item: everyone signed in may see the campaign list."""

from gpqi.web.navigation import NavItem, register

register(NavItem("Campaigns", "campaigns:list", lambda a: True, order=45))
