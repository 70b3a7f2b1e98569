"""The header navigation. Each app registers its items with a predicate on the user's Access, so
a later app (worklists, campaigns, audit) adds a line here-like call and the header grows.

`context(request)` is a Jinja2 context processor: it gives every template `nav_items`, `access`
and `service_name`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse

from gpqi.web.permissions import Access, access_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    allowed: Callable[[Access], bool]
    order: int = 100


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(i.url_name != item.url_name for i in _items):
        _items.append(item)
        _items.sort(key=lambda i: i.order)


def items_for(request: HttpRequest) -> list[dict[str, object]]:
    if not request.user.is_authenticated:
        return []
    access = access_for(request)
    out = []
    for item in _items:
        if not item.allowed(access):
            continue
        try:
            href = reverse(item.url_name)
        except NoReverseMatch:
            continue
        current = request.path == href or (href != "/" and request.path.startswith(href))
        out.append({"text": item.label, "href": href, "current": current})
    return out


def context(request: HttpRequest) -> dict[str, object]:
    from gpqi.web.ws import workspace

    try:
        name = workspace().config.workspace.name
    except Exception:  # a missing workspace still lets the login page render
        name = "gpqi"
    return {
        "nav_items": items_for(request),
        "access": access_for(request) if request.user.is_authenticated else None,
        "service_name": name,
        "cspNonce": getattr(request, "csp_nonce", ""),
        "assetPath": static("vendor/nhsuk/assets"),
    }
