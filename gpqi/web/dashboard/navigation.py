"""The dashboard's header items."""

from gpqi.web.accounts.models import CENTRAL_ROLES, Role
from gpqi.web.navigation import NavItem, register

register(NavItem("Home", "dashboard:home", lambda a: True, order=10))
register(NavItem("Practices", "dashboard:practices", lambda a: bool(a.own & a.shared), order=20))
register(NavItem("Indicators", "dashboard:indicators", lambda a: True, order=30))
register(NavItem("Networks", "dashboard:networks", lambda a: True, order=40))
register(NavItem("Operational", "dashboard:operational", lambda a: bool(a.own & a.shared), order=50))
register(NavItem("Data quality", "dashboard:data_quality", lambda a: a.role in CENTRAL_ROLES, order=60))
register(NavItem("Admin", "admin:index", lambda a: a.role in {Role.ADMIN, Role.IG_LEAD}, order=90))
