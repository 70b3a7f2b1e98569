"""The worklists' header item: only for users who may see their own practice's patients."""

from gpqi.web.navigation import NavItem, register
from gpqi.web.permissions import Access


def _allowed(access: Access) -> bool:
    return access.home_practice is not None and access.may_see_patients(access.home_practice)


register(NavItem("Worklists", "worklists:home", _allowed, order=25))
