"""Security headers for every response, access errors as HTTP statuses, and a log filter that keeps
identifiers out of logs."""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from gpqi.access.errors import Forbidden, NotVisible


class SecurityHeadersMiddleware:
    """Content-Security-Policy with a per-request nonce (only our own scripts run) and no caching
    of authenticated pages, so a shared computer's browser cache holds nothing sensitive."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)  # type: ignore[attr-defined]
        response = self.get_response(request)
        # Vega compiles chart expressions with Function(), hence 'unsafe-eval' for scripts only.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{request.csp_nonce}' 'unsafe-eval'; "  # type: ignore[attr-defined]
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; "
            "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response


class AccessErrorsMiddleware:
    """`gpqi.access`'s domain errors as Django's: NotVisible -> 404, Forbidden -> 403 (the
    site's own error pages, which say nothing of what exists)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotVisible):
            raise Http404(str(exception)) from None
        if isinstance(exception, Forbidden):
            raise PermissionDenied(str(exception)) from None
        return None


class ScrubFilter(logging.Filter):
    """Drop query strings, request objects and exception messages from log records: a query
    string could carry an identifier typed into a filter box, handlers that format
    `record.request` could print it, and an exception's message can quote a cell value (a library
    refusing a patient's name). The traceback is kept, each exception named by its type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if hasattr(record, "request"):
            record.request = None
        if isinstance(record.args, tuple):
            record.args = tuple(a.split("?", 1)[0] if isinstance(a, str) else a for a in record.args)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _traceback_without_messages(record.exc_info[1])
            record.exc_info = None
        return True


def _traceback_without_messages(exc: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__))
        name = f"{type(current).__module__}.{type(current).__qualname__}"
        parts.append(
            f"Traceback (most recent call last):\n{frames}{name} (message withheld: it may quote data)"
        )
        current = current.__cause__ or current.__context__
    return "\n\nwhile handling, or caused by:\n".join(reversed(parts))
