"""The Jinja2 environment for the dashboard: nhsuk-frontend-jinja's component macros, our own
templates, and the few globals and filters templates need."""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlencode

from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, PackageLoader
from markupsafe import Markup

from gpqi.web.explanations import Explanation, explanation
from gpqi.web.ws import workspace
from gpqi.workspace import DisclosureSection, WorkspaceError


def _url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def _pct(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def _num(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(value):,}"


def script_json(value: Any) -> str:
    """`value` as JSON that is inert inside a script element (it cannot close the element).
    A chart spec memoised for many requests keeps this text (`Chart.encoded`), so it is
    encoded once rather than on every page."""
    return (
        json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )


def _json_script(value: Any, element_id: str, encoded: str | None = None) -> Markup:
    """Embed data for scripts as inert JSON; `encoded`: the value's `script_json`, if kept."""
    text = encoded if encoded is not None else script_json(value)
    return Markup(f'<script type="application/json" id="{element_id}">{text}</script>')


_RENDERED_ENTRIES = 512  # distinct headers and footers kept (users' names and menus)
_rendered: OrderedDict[tuple[str, str], Markup] = OrderedDict()
_rendered_lock = threading.Lock()


def _rendered_once(name: str, macro: Any, params: dict[str, Any]) -> Markup:
    """`macro(params)`, kept per process for the same parameters: the NHS header and footer are
    the same on every page for a user (their name and menu) and drawing them through the
    component's nested macros costs more than many of a page's figures. A macro imported
    without context sees nothing but its parameters, so the same parameters give the same HTML.
    """
    key = (name, json.dumps(params, sort_keys=True, default=str))
    with _rendered_lock:
        hit = _rendered.get(key)
        if hit is not None:
            _rendered.move_to_end(key)
            return hit
    html = Markup(macro(params))
    with _rendered_lock:
        _rendered[key] = html
        while len(_rendered) > _RENDERED_ENTRIES:
            _rendered.popitem(last=False)
    return html


def _download_url(request: Any, name: str, fmt: str) -> str:
    """The page's own URL and choices, asking for one download (QueryDict.copy is a deep copy,
    and a page has a dozen of these links)."""
    query = dict(request.GET.lists())
    query["download"] = [name]
    query["format"] = [fmt]
    return f"{request.path}?{urlencode(query, doseq=True)}"


def _explanation(key: str) -> Explanation:
    try:
        cfg = workspace().config.disclosure
    except WorkspaceError:  # a page drawn before there is a workspace: the default thresholds
        cfg = DisclosureSection()
    return explanation(key, cfg.round_to, cfg.redact_at_or_below)


def environment(**options: Any) -> Environment:
    base_loader = options.pop("loader", None)
    loaders = [base_loader] if base_loader else []
    loaders.append(PackageLoader("nhsuk_frontend_jinja", "templates"))
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    env = Environment(**options)
    env.loader = ChoiceLoader(loaders) if len(loaders) > 1 else loaders[0]
    env.globals.update(
        static=static,
        url=_url,
        json_script=_json_script,
        download_url=_download_url,
        rendered_once=_rendered_once,
        explanation=_explanation,
    )
    env.filters.update(pct=_pct, num=_num)
    return env
