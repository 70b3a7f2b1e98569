"""The 400, 403, 404 and 500 pages: in the site's layout, saying what happened and where to go
next, never a traceback or the request's details (which may name a patient or practice).

A server error is rendered with the full layout when that still works, and as a small static
page when the layout itself fails (the error may be in what the layout needs, e.g. the database).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The address or form could not be read. Go back and try again."),
    403: (
        "You do not have access to this page",
        "Your role does not include this page, or its data belong to practices outside your scope. "
        "Ask your programme's central team if you need access.",
    ),
    404: (
        "Page not found",
        "There is nothing at this address: the link may be out of date, or the indicator, practice, "
        "network or date it names does not exist in the current results.",
    ),
    500: (
        "Sorry, there is a problem with the service",
        "Something went wrong on our side and the page could not be shown. The error has been logged "
        "for the central team. Try again later, or go back to the home page.",
    ),
}

_PLAIN = (
    "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} – gpqi</title></head>"
    "<body style='font-family:Arial,sans-serif;max-width:40em;margin:2em auto'><h1>{title}</h1>"
    "<p>{text}</p><p><a href='/'>Go to the home page</a></p></body></html>"
)


def _reason(exception: Exception | None) -> str:
    """The reason our own code gave (e.g. "No such indicator"): a short sentence of ours, never
    Django's resolver details (a dict naming the path and the URL patterns tried)."""
    arg = exception.args[0] if exception is not None and exception.args else None
    return arg if isinstance(arg, str) and 0 < len(arg) <= 120 else ""


def _page(request: HttpRequest, status: int, exception: Exception | None = None) -> HttpResponse:
    title, text = MESSAGES[status]
    context = {"title": title, "text": text, "status": status, "reason": _reason(exception)}
    try:
        return render(request, "error.jinja", context, status=status)
    except Exception:  # the layout itself failed: say so plainly rather than fail twice
        log.exception("error page %s could not be rendered with the layout", status)
        return HttpResponse(_PLAIN.format(title=title, text=text), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 403, exception)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (often an old tab): the 403 page, not Django's."""
    return _page(request, 403)
