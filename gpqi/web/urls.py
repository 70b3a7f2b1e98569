"""URLs. Every pattern is walked by tests/web/test_access.py as every role, so a new URL is
covered by the access tests automatically."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("gpqi.web.accounts.urls")),
    path("admin/", admin.site.urls),
    path("", include("gpqi.web.dashboard.urls")),
]
