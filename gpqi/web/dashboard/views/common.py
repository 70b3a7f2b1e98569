"""What every comparative page shares: the request context (workspace, results, access, date), the
decorator that supplies it, parameter parsing and the Making Data Count labels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from markupsafe import Markup

from gpqi.access import figures
from gpqi.access.results import NoResults, ResultsStore, store_for
from gpqi.web import downloads
from gpqi.web.catalogue import IndicatorMeta, catalogue
from gpqi.web.governance.models import Network
from gpqi.web.page import Page
from gpqi.web.permissions import Access, access_for
from gpqi.web.ws import workspace
from gpqi.workspace import Workspace, WorkspaceError

PICKER_LIMIT = 200  # longer lists of practices or networks get a code box instead of a select

MDC_LABELS = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher (neutral)",
    "special_cause_neutral_low": "Special cause: lower (neutral)",
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Inconsistently passes the target",
}


@dataclass
class Ctx:
    ws: Workspace
    store: ResultsStore
    access: Access
    catalogue: dict[str, IndicatorMeta]
    date: dt.date


def _ctx(request: HttpRequest) -> Ctx:
    ws = workspace()
    store = store_for(ws)
    ids = store.indicator_ids()
    return Ctx(ws, store, access_for(request), catalogue(ids), store.latest_date())


def _no_data(request: HttpRequest, message: str) -> HttpResponse:
    return render(
        request, "dashboard/no_data.jinja", {"message": message, "page": Page("No results yet")}, status=200
    )


def with_results(view):  # noqa: ANN001, ANN201
    """Login required; a workspace without results gets a plain explanation, not an error."""

    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            ctx = _ctx(request)
        except (NoResults, WorkspaceError) as exc:
            return _no_data(request, str(exc))
        return view(request, ctx, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def page_about(
    c: Ctx, scope: str, reference: str | None = None, date: dt.date | None = None
) -> downloads.About:
    """What this page's downloads say about themselves (their title is each table's caption)."""
    a = c.access
    raw = figures.sees_all_raw(a)
    own = [] if raw else [a.label(p) for p in a.own_shared()]
    return downloads.About(
        title="",
        reporting_date=date or c.date,
        scope=scope,
        disclosure=downloads.disclosure_note(c.ws, raw, own),
        source=downloads.source(c.ws, reference),
    )


def shared_scope(c: Ctx) -> str:
    """The practices a comparison covers, in words."""
    return (
        f"{len(c.access.shared):,} practices with a data-sharing agreement in force in "
        f"{c.ws.config.workspace.name}"
    )


def parse_date(value: str | None, dates: list[dt.date], default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        d = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404("Unknown date") from exc
    if d not in dates:
        raise Http404("No results for that date")
    return d


def date_options(store: ResultsStore, selected: dt.date) -> Markup:
    """The options of a date picker, latest first, `selected` chosen: the same for every user of
    a run, so built once per run and date (ten years of months are 120 options a picker)."""

    def build() -> Markup:
        return Markup(
            "".join(
                f'<option value="{d.isoformat()}"{" selected" if d == selected else ""}>{d:%b %Y}</option>'
                for d in reversed(store.dates())
            )
        )

    return store.memo(("date-options", selected), build)


def int_param(value: str | None, low: int, high: int) -> int:
    """A page number from the query string, clamped to what exists (junk reads as the first)."""
    try:
        return min(max(int(value or low), low), high)
    except ValueError:
        return low


def mdc_label(key: str | None) -> str:
    return MDC_LABELS.get(key or "", "–")


# --- home ----------------------------------------------------------------------------------------


def indicator_param(request: HttpRequest, c: Ctx) -> IndicatorMeta:
    ind = request.GET.get("indicator")
    if ind is None:
        with_target = [m for m in c.catalogue.values() if m.target is not None and m.kind == "clinical"]
        return (with_target or list(c.catalogue.values()))[0]
    if ind not in c.catalogue:
        raise Http404("No such indicator")
    return c.catalogue[ind]


def network_names(codes: list[str] | None = None) -> dict[str, str]:
    """Each network's name by code (from the snapshot, via the app database); only `codes`'
    when given (a page naming a user's own networks need not read every network's)."""
    qs = Network.objects.all() if codes is None else Network.objects.filter(code__in=codes)
    return dict(qs.values_list("code", "name"))


def network_label(code: str, names: dict[str, str] | None = None) -> str:
    name = (names if names is not None else network_names()).get(code)
    return f"{name} ({code})" if name and name != code else f"Network {code}"


def opportunity_cells(r: figures.PracticeIndicator) -> dict[str, Any]:
    """A practice indicator's opportunity and what it is measured to (see figures.goal_for)."""
    goal_text = None
    if r.goal is not None:
        lead = "Target" if r.goal_kind == figures.GOAL_TARGET else "Best quarter"
        goal_text = f"{lead} {r.goal * 100:.1f}%"
    return {"opportunity": r.opportunity, "goal": r.goal, "goal_text": goal_text}
