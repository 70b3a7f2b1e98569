"""Who is calling the API: a personal token (`Authorization: Bearer gpqi_...`) or, for a
browser, the logged-in session. An unknown or revoked token is 401 whatever the session says,
so a script never silently falls back to someone else's rights."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from gpqi.access.errors import NotVisible, Unauthenticated
from gpqi.access.results import NoResults
from gpqi.web.api.models import ApiToken, hash_token
from gpqi.web.permissions import access_for, build_access
from gpqi.workspace import WorkspaceError


def _user(request: HttpRequest):  # noqa: ANN202 - a Django user
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization: expected 'Bearer <token>'")
        found = ApiToken.objects.select_related("user").filter(key_hash=hash_token(token.strip())).first()
        if found is None or not found.active or not found.user.is_active:
            raise Unauthenticated("unknown or revoked token")
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user
    if request.user.is_authenticated:
        return request.user
    raise Unauthenticated("no credentials: send Authorization: Bearer <token>")


def error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message, "status": status}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="gpqi"'
    return response


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only; the caller's Access as `request.access`; access errors as JSON statuses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return error(405, "the API is read-only: GET only")
        try:
            user = _user(request)
            request.access = access_for(request) if user is request.user else build_access(user)  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)
        except Unauthenticated as exc:
            return error(401, str(exc))
        except NotVisible as exc:
            return error(404, str(exc))
        except (NoResults, WorkspaceError) as exc:
            return error(503, str(exc))

    return wrapped
