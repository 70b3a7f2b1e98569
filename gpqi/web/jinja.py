"""The Jinja2 environment for the dashboard: nhsuk-frontend-jinja's component macros, our own
templates, and the few globals and filters templates need."""

from __future__ import annotations

import json
import math
from typing import Any

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


def _json_script(value: Any, element_id: str) -> Markup:
    """Embed data for scripts as inert JSON (escaped so it cannot close the script element)."""
    text = (
        json.dumps(value, default=str).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    )
    return Markup(f'<script type="application/json" id="{element_id}">{text}</script>')


def _download_url(request: Any, name: str, fmt: str) -> str:
    query = request.GET.copy()
    query["download"] = name
    query["format"] = fmt
    return f"{request.path}?{query.urlencode()}"


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
        explanation=_explanation,
    )
    env.filters.update(pct=_pct, num=_num)
    return env
