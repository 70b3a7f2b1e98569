"""The site's URLs plus one view that fails, to see the 500 page (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure whose message must not reach the page: patient 9434765919")


urlpatterns = [path("boom/", boom), path("", include("gpqi.web.urls"))]
handler500 = "gpqi.web.errors.server_error"
