"""The reports tests use the web tests' programme (practices, agreements, one user per role) and
its weekly campaign series."""

from tests.web.conftest import campaign, login, programme, projects, workspace_root  # noqa: F401
