"""URLs. Every pattern is walked by tests/web/test_access.py as every role, so a new URL is
covered by the access tests automatically."""

from django.contrib import admin
from django.urls import include, path

from gpqi.web.api.tokens import tokens

urlpatterns = [
    path("accounts/tokens/", tokens, name="api_tokens"),  # the profile's API tokens
    path("accounts/", include("gpqi.web.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("gpqi.web.api.urls")),
    path("campaigns/", include("gpqi.web.campaigns.urls")),
    path("worklists/", include("gpqi.web.worklists.urls")),
    path("audit/", include("gpqi.web.audit.urls")),
    path("editor/", include("gpqi.web.editor.urls")),
    path("projects/", include("gpqi.web.projects.urls")),
    path("packs/", include("gpqi.web.packs.urls")),
    path("alerts/", include("gpqi.web.alerts.urls")),
    path("", include("gpqi.web.dashboard.urls")),
]

handler400 = "gpqi.web.errors.bad_request"
handler403 = "gpqi.web.errors.permission_denied"
handler404 = "gpqi.web.errors.page_not_found"
handler500 = "gpqi.web.errors.server_error"
