"""The Django dashboard: comparative views of indicator results for each role, data-sharing
agreements, pseudonymised peers and disclosure control.

Layout (apps are Django apps; each owns its models, views, templates and URLs):
    settings.py      configuration from the environment (workspace, database, security)
    mail.py          email settings (gpqi.toml [email], GPQI_EMAIL_* environment) for Django
    permissions.py   a request's Access (gpqi.access.scope) from the user's profile and agreements
    page.py          a page's downloadable tables and charts, served by the page's own URL
    accounts/        users' roles and scopes, login/logout/password change
    governance/      practices, networks, agreements, pseudonyms, targets (synced from snapshots)
    dashboard/       the comparative pages and their CSV/XLSX/PNG/SVG downloads
    worklists/       patient worklists for direct care (own practice, direct-care roles only)
    audit/           the append-only audit log of patient-level data and the IG lead's page
    navigation.py    the header navigation; later apps (worklists, campaigns, audit) add items
"""

import os


def setup(workspace: str | os.PathLike[str] | None = None) -> None:
    """Configure Django for a workspace (idempotent); used by the CLI commands."""
    if workspace is not None:
        os.environ["GPQI_WORKSPACE"] = str(workspace)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gpqi.web.settings")
    import django

    django.setup()
