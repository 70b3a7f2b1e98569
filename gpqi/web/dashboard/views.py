"""The comparative pages. Each view asks `Access` what the user may see and builds its tables
and charts from `gpqi.web.analysis` (which applies agreements, pseudonyms and disclosure);
downloads come from the same view (`page.respond`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gpqi import stats
from gpqi.charts.funnel import limit_grid as funnel_limit_grid
from gpqi.web import analysis, sparkline
from gpqi.web.accounts.models import CENTRAL_ROLES, Role
from gpqi.web.catalogue import IndicatorMeta, catalogue, domain_sort_key, network_targets
from gpqi.web.dashboard import charts as page_charts
from gpqi.web.dashboard.page import Page, respond
from gpqi.web.permissions import Access, access_for
from gpqi.web.results import NoResults, ResultsStore, store_for
from gpqi.web.tables import Column, Table
from gpqi.web.ws import workspace
from gpqi.workspace import Workspace, WorkspaceError

LEAGUE_PAGE_ROWS = 50  # league table rows per page (every row is in the downloads)
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


def _parse_date(value: str | None, dates: list[dt.date], default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        d = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise Http404("Unknown date") from exc
    if d not in dates:
        raise Http404("No results for that date")
    return d


def _int_param(value: str | None, low: int, high: int) -> int:
    """A page number from the query string, clamped to what exists (junk reads as the first)."""
    try:
        return min(max(int(value or low), low), high)
    except ValueError:
        return low


def _mdc(key: str | None) -> str:
    return MDC_LABELS.get(key or "", "–")


# --- home ----------------------------------------------------------------------------------------


@with_results
def home(request: HttpRequest, c: Ctx) -> HttpResponse:
    """What the role needs first."""
    a = c.access
    page = Page("Home")
    ctx: dict[str, Any] = {"date": c.date}
    from gpqi.web.campaigns.panel import campaign_panel  # the user's practices in active campaigns

    ctx["campaign_panel"] = campaign_panel(a, c.ws)
    if a.role in (Role.CLINICIAN, Role.PRACTICE_MANAGER):
        code = a.home_practice
        if code is None or not a.may_view_practice(code):
            ctx["inactive"] = True
        else:
            rows = analysis.practice_indicators(c.store, a, code, c.catalogue)
            lead = ("operational", "campaign") if a.role == Role.PRACTICE_MANAGER else ("clinical",)
            first = [r for r in rows if r.meta.kind in lead]
            rest = [r for r in rows if r.meta.kind not in lead]
            key = lambda r: (-(r.opportunity or 0), r.meta.title)  # noqa: E731
            ctx["practice"] = a.practices[code]
            ctx["lead_kind"] = "operational and campaign" if a.role == Role.PRACTICE_MANAGER else "clinical"
            page.add_table(
                _opportunity_table(
                    "priorities",
                    f"{a.label(code)}: {ctx['lead_kind']} indicators, most to gain first",
                    sorted(first, key=key),
                    code,
                )
            )
            page.add_table(
                _opportunity_table(
                    "other-indicators", f"{a.label(code)}: other indicators", sorted(rest, key=key), code
                )
            )
    elif a.role == Role.NETWORK_LEAD and a.home_network:
        ctx["network"] = a.home_network
        page.add_table(_network_targets_table(c, a.home_network))
    elif a.role == Role.FACILITATOR:
        page.add_table(_facilitator_table(c))
    else:
        ctx["run"] = c.store.run_info()
        page.add_table(_agreement_summary_table(c))
    return respond(request, "dashboard/home.jinja", page, ctx)


def _opportunity_table(name: str, caption: str, rows: list[analysis.PracticeIndicator], code: str) -> Table:
    t = Table(
        name,
        caption,
        [
            Column("title", "Indicator"),
            Column("value", "Practice", "pct"),
            Column("target", "Target", "pct"),
            Column("opportunity", "Patients to reach target", "int"),
            Column("median", "Peer median", "pct"),
            Column("variation", "Variation (SPC)"),
            Column("assurance", "Assurance"),
        ],
    )
    for r in rows:
        t.rows.append(
            {
                "title": r.meta.title,
                "_href": reverse("dashboard:indicator", args=[r.meta.id]) + f"?focus={code}",
                "value": r.value,
                "target": r.meta.target,
                "opportunity": r.opportunity,
                "median": r.peers.median if r.peers else None,
                "variation": _mdc(r.variation),
                "assurance": _mdc(r.assurance) if r.assurance else "No target",
            }
        )
    return t


def _network_targets_table(c: Ctx, network_code: str) -> Table:
    from gpqi.web.governance.models import TargetOverride

    a = c.access
    members = analysis.network_members(c.store, a, network_code)
    overrides = dict(
        TargetOverride.objects.filter(network__code=network_code).values_list("indicator_id", "value")
    )
    key = (
        "network-targets",
        c.date,
        network_code,
        analysis.class_key(a),
        tuple(sorted(overrides.items())),
        tuple(sorted((m.id, m.target, m.title, m.higher_is_better) for m in c.catalogue.values())),
    )
    t = Table(
        "network-targets",
        f"Network {network_code}: combined value against target ({len(members)} practices with an agreement)",
        [
            Column("title", "Indicator"),
            Column("value", "Network", "pct"),
            Column("target", "Target", "pct"),
            Column("status", "Incentive"),
        ],
    )
    t.rows = c.store.memo(key, lambda: _network_target_rows(c, network_code, members, overrides))
    return t


def _network_target_rows(
    c: Ctx, network_code: str, members: list[str], overrides: dict[str, float]
) -> list[dict[str, Any]]:
    """The network's combined raw value for every indicator against its target (the network's
    own figures: shown only to its lead, see `home`)."""
    sums = c.store.sums_at_date(c.date, members)
    rows = []
    for ind_id, num, den in sums[["indicator_id", "numerator", "denominator"]].itertuples(index=False):
        meta = c.catalogue.get(str(ind_id))
        if meta is None:
            continue
        target = overrides.get(meta.id, meta.target)
        num, den = int(num), int(den)
        value = num / den if den else None
        status = "No target"
        if target is not None and den:
            inc = stats.network_incentive(
                [num], [den], [network_code], target, higher_is_better=meta.higher_is_better
            )
            status = "Earned" if bool(inc["achieved"].iloc[0]) else "Not earned"
        rows.append(
            {
                "title": meta.title,
                "_href": reverse("dashboard:network", args=[network_code]) + f"?indicator={meta.id}",
                "value": value,
                "target": target,
                "status": status,
            }
        )
    rows.sort(key=lambda r: r["title"])
    return rows


def _facilitator_table(c: Ctx) -> Table:
    a = c.access
    t = Table(
        "my-practices",
        "Your practices: indicators below target and the largest opportunity",
        [
            Column("name", "Practice"),
            Column("below", "Indicators below target", "int"),
            Column("top", "Most to gain"),
            Column("top_opp", "Patients to reach target", "int"),
        ],
    )
    for code in a.own_shared():
        rows = analysis.practice_indicators(c.store, a, code, c.catalogue)
        below = [
            r
            for r in rows
            if r.meta.target is not None
            and r.value is not None
            and ((r.value < r.meta.target) if r.meta.higher_is_better else (r.value > r.meta.target))
        ]
        best = max(rows, key=lambda r: r.opportunity or 0, default=None)
        t.rows.append(
            {
                "name": a.label(code),
                "_href": reverse("dashboard:practice", args=[code]),
                "below": len(below),
                "top": best.meta.title if best and best.opportunity else "–",
                "top_opp": best.opportunity if best else None,
            }
        )
    return t


def _agreement_summary_table(c: Ctx) -> Table:
    from gpqi.web.governance.models import Agreement, Practice

    a = c.access
    t = Table(
        "agreements",
        "Practices by data-sharing agreement",
        [Column("status", "Agreement"), Column("n", "Practices", "int")],
    )
    total = Practice.objects.count()
    t.rows.append({"status": "In force, shared in comparisons", "n": len(a.shared)})
    t.rows.append({"status": "In force, named to peers", "n": len(a.identifiable)})
    for status, label in Agreement.STATUSES:
        if status != Agreement.ACTIVE:
            t.rows.append(
                {
                    "status": label,
                    "n": Agreement.objects.filter(status=status).values("practice").distinct().count(),
                }
            )
    t.rows.append({"status": "All practices in the snapshot", "n": total})
    return t


# --- practices -----------------------------------------------------------------------------------


@with_results
def practice_list(request: HttpRequest, c: Ctx) -> HttpResponse:
    a = c.access
    codes = a.own_shared()
    if len(codes) == 1:
        return redirect("dashboard:practice", code=codes[0])
    page = Page("Practices")
    t = page.add_table(
        Table(
            "practices",
            "Your practices",
            [Column("name", "Practice"), Column("code", "Code"), Column("network", "Network")],
        )
    )
    for code in codes:
        t.rows.append(
            {
                "name": a.label(code),
                "code": code,
                "network": a.practices[code].network_code,
                "_href": reverse("dashboard:practice", args=[code]),
            }
        )
    return respond(request, "dashboard/practices.jinja", page, {})


@with_results
def practice(request: HttpRequest, c: Ctx, code: str) -> HttpResponse:
    """Every indicator for one practice, grouped by domain."""
    a = c.access
    info = a.require_practice(code)
    rows = analysis.practice_indicators(c.store, a, code, c.catalogue)
    page = Page(f"{info.name}: overview")
    groups = []
    by_domain: dict[str, list[analysis.PracticeIndicator]] = {}
    for r in rows:
        by_domain.setdefault(r.meta.domain, []).append(r)
    for domain in sorted(by_domain, key=domain_sort_key):
        t = page.add_table(
            Table(
                f"overview-{domain}",
                f"{domain.capitalize()} indicators at {c.date:%d %B %Y}",
                [
                    Column("title", "Indicator"),
                    Column("value", "Practice", "pct"),
                    Column("numerator", "Numerator", "int"),
                    Column("denominator", "Denominator", "int"),
                    Column("median", "Peer median", "pct"),
                    Column("q1", "Peer lower quartile", "pct"),
                    Column("q3", "Peer upper quartile", "pct"),
                    Column("opportunity", "Patients to reach target", "int"),
                    Column("variation", "Variation (SPC)"),
                    Column("assurance", "Assurance"),
                ],
            )
        )
        sparks = {}
        for r in by_domain[domain]:
            t.rows.append(
                {
                    "title": r.meta.title,
                    "_href": reverse("dashboard:indicator", args=[r.meta.id]) + f"?focus={code}",
                    "value": r.value,
                    "numerator": r.numerator,
                    "denominator": r.denominator,
                    "median": r.peers.median if r.peers else None,
                    "q1": r.peers.q1 if r.peers else None,
                    "q3": r.peers.q3 if r.peers else None,
                    "opportunity": r.opportunity,
                    "variation": _mdc(r.variation),
                    "assurance": _mdc(r.assurance) if r.assurance else "No target",
                }
            )
            sparks[r.meta.id] = sparkline.svg(r.spark, f"{r.meta.title}: last {len(r.spark)} months")
        groups.append({"domain": domain, "table": t, "sparks": sparks, "rows": by_domain[domain]})
    return respond(
        request,
        "dashboard/practice.jinja",
        page,
        {"info": info, "groups": groups, "date": c.date, "code": code},
    )


# --- indicators ----------------------------------------------------------------------------------


@with_results
def indicator_list(request: HttpRequest, c: Ctx) -> HttpResponse:
    page = Page("Indicators")
    by_domain: dict[str, list[IndicatorMeta]] = {}
    for meta in c.catalogue.values():
        by_domain.setdefault(meta.domain, []).append(meta)
    for domain in sorted(by_domain, key=domain_sort_key):
        t = page.add_table(
            Table(
                f"indicators-{domain}",
                f"{domain.capitalize()}",
                [
                    Column("title", "Indicator"),
                    Column("kind", "Kind"),
                    Column("target", "Target", "pct"),
                    Column("reference", "Based on"),
                ],
            )
        )
        for m in sorted(by_domain[domain], key=lambda m: m.title):
            t.rows.append(
                {
                    "title": m.title,
                    "_href": reverse("dashboard:indicator", args=[m.id]),
                    "kind": m.kind,
                    "target": m.target,
                    "reference": m.reference,
                }
            )
    return respond(request, "dashboard/indicators.jinja", page, {})


@with_results
def indicator(request: HttpRequest, c: Ctx, indicator_id: str) -> HttpResponse:
    """Funnel plot, league table, before/after distribution, trend with SPC, variation."""
    a = c.access
    meta = c.catalogue.get(indicator_id)
    if meta is None:
        raise Http404("No such indicator")
    dates = c.store.dates()
    date = _parse_date(request.GET.get("date"), dates, c.date)
    default_compare = (
        next((d for d in dates if d >= date.replace(year=date.year - 5)), dates[0])
        if date.year > 1
        else dates[0]
    )
    compare = _parse_date(request.GET.get("compare"), dates, default_compare)
    own_shared = a.own_shared()
    # A select of thousands of practices or networks is of no use to anyone (and heavy): past
    # PICKER_LIMIT the page offers a code box instead; any visible one can still be asked for.
    focus_options = [(p, a.label(p)) for p in own_shared] if len(own_shared) <= PICKER_LIMIT else []
    visible_networks = analysis.visible_networks(c.store, a)
    own_networks = sorted({a.practices[p].network_code for p in own_shared})
    networks = own_networks if len(own_networks) <= PICKER_LIMIT else []
    focus = (
        request.GET.get("focus")
        or (a.home_practice if a.home_practice in a.shared else None)
        or (f"network:{a.home_network}" if a.home_network else "programme")
    )
    if focus.startswith("network:"):
        if focus[8:] not in visible_networks:
            raise Http404("No such network")
    elif focus != "programme" and not a.may_view_practice(focus):
        raise Http404("No such practice")
    method = request.GET.get("method", "spiegelhalter")
    if method not in ("wilson", "spiegelhalter"):
        raise Http404("Unknown funnel method")

    now, fb = analysis.indicator_frame(c.ws, c.store, a, indicator_id, date, method)
    then, _ = analysis.indicator_frame(c.ws, c.store, a, indicator_id, compare)
    page = Page(meta.title)
    focus_codes = (
        {focus}
        if focus in a.own
        else (
            {p for p in a.own_shared() if a.practices[p].network_code == focus[8:]}
            if focus.startswith("network:")
            else set()
        )
    )
    for f in (now, then):
        f["focus"] = f["org_code"].isin(focus_codes).to_numpy()

    shown = now[~now["redacted"] & (now["denominator"] > 0)]
    # Past POINTS_LIMIT practices the charts draw bins and groups built once per class view
    # (no labels, nothing of this user's own counts) plus the focus practices as themselves.
    big = len(shown) > page_charts.POINTS_LIMIT
    shown = shown.assign(label=None if big else analysis.labels(a, shown["org_code"]))
    focus_rows = shown[shown["focus"]].assign(label=lambda f: analysis.labels(a, f["org_code"]))
    if big:
        shown.loc[shown["focus"], "label"] = focus_rows["label"]
    highlight = [a.label(p) for p in sorted(focus_codes)]
    target = fb.target if fb is not None else float("nan")
    tau2 = fb.tau2 if fb is not None else 0.0
    ckey = analysis.class_key(a)

    def class_shown(d: dt.date, m: str | None) -> pd.DataFrame:
        f, _ = analysis.indicator_frame(c.ws, c.store, a, indicator_id, d, m, overlay_own=False)
        return f[~f["redacted"] & (f["denominator"] > 0)]

    if big:

        def base_funnel() -> tuple[dict[str, Any], pd.DataFrame]:
            class_rows = class_shown(date, method)
            grid = funnel_limit_grid(class_rows["denominator"].to_numpy(dtype="float64"))
            limits = stats.funnel_limits(grid, target, method, tau2)
            bins = page_charts.funnel_bins(class_rows)
            return page_charts.funnel_base(bins, limits, target, method, tau2, meta), limits

        base, limits = c.store.memo_large(("funnel-base", indicator_id, date, method, ckey), base_funnel)
        outl = shown["outlier_998"]
        binned = (len(shown), int((outl == "high").sum()), int((outl == "low").sum()))
        spec = page_charts.funnel_binned(
            base, focus_rows, limits, target, method, tau2, meta, highlight, binned
        )
    else:
        spec = page_charts.funnel(shown, target, method, tau2, meta, highlight)
    page.add_chart(
        "funnel",
        f"Funnel plot at {date:%B %Y} ({'overdispersion-adjusted' if method == 'spiegelhalter' else 'Wilson'} limits)",
        spec,
    )

    order = shown.sort_values("value", ascending=not meta.higher_is_better, kind="stable")
    order = order.assign(rank=np.arange(1, len(order) + 1))
    per_page = LEAGUE_PAGE_ROWS
    pages = max(1, -(-len(order) // per_page))
    league_page = _int_param(request.GET.get("league_page"), 1, pages)
    window = order.iloc[(league_page - 1) * per_page : league_page * per_page]
    extra = order[order["focus"] & ~order.index.isin(window.index)]
    on_page = pd.concat([window, extra])
    if big:
        on_page = on_page.assign(label=analysis.labels(a, on_page["org_code"]))

    def league_row(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "rank": r["rank"],
            "label": r["label"],
            "numerator": r["numerator"],
            "denominator": r["denominator"],
            "value": r["value"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "outlier": {"high": "Above", "low": "Below"}.get(r["outlier_998"], "Within"),
            "_class": "gpqi-own" if r["focus"] else "",
            "_href": reverse("dashboard:practice", args=[r["org_code"]])
            if a.may_view_practice(r["org_code"])
            else None,
        }

    def all_league_rows() -> list[dict[str, Any]]:
        full = order if not big else order.assign(label=analysis.labels(a, order["org_code"]))
        return [league_row(r) for r in full.to_dict("records")]

    league = page.add_table(
        Table(
            "league-table",
            f"All practices with an agreement at {date:%d %B %Y}, {'highest' if meta.higher_is_better else 'lowest'} first",
            [
                Column("rank", "Rank", "int"),
                Column("label", "Practice"),
                Column("numerator", "Numerator", "int"),
                Column("denominator", "Denominator", "int"),
                Column("value", "Value", "pct"),
                Column("ci_low", "95% CI lower", "pct"),
                Column("ci_high", "95% CI upper", "pct"),
                Column("outlier", "Funnel (99.8%)"),
            ],
            display_limit=per_page,
        )
    )
    league.set_rows(
        [league_row(r) for r in on_page.to_dict("records")], total=len(order), every=all_league_rows
    )
    hidden = int(now["redacted"].sum())
    page.add_chart(
        "caterpillar",
        "League table with 95% confidence intervals"
        + (
            f" (ranks {(league_page - 1) * per_page + 1:,} to {min(len(order), league_page * per_page):,} of {len(order):,})"
            if pages > 1
            else ""
        ),
        page_charts.caterpillar(on_page if pages > 1 else order, meta, highlight, target),
    )

    def build_distribution() -> dict[str, Any]:
        then_shown = then[~then["redacted"] & (then["denominator"] > 0)]
        parts = []
        for d, f in ((compare, then_shown), (date, shown)):
            period = d.strftime("%b %Y")
            sizes = c.store.list_sizes(d)
            mine = f[f["focus"]]
            mine = pd.DataFrame(
                {
                    "label": analysis.labels(a, mine["org_code"]),
                    "period": period,
                    "value": mine["value"].to_numpy(),
                    "size": [sizes.get(code, 0) for code in mine["org_code"]],
                }
            )
            if big:

                def groups(
                    d: dt.date = d, period: str = period, sizes: dict[str, int] = sizes
                ) -> pd.DataFrame:
                    g = class_shown(d, None)
                    size = np.array([sizes.get(code, 0) for code in g["org_code"].to_numpy(dtype=object)])
                    return page_charts.distribution_groups(g["value"].to_numpy(dtype="float64"), size, period)

                parts.append(c.store.memo_large(("distribution", indicator_id, d, ckey), groups))
                parts.append(mine)
            else:
                codes = f["org_code"].to_numpy(dtype=object)
                parts.append(
                    pd.DataFrame(
                        {
                            "label": analysis.labels(a, codes),
                            "period": period,
                            "value": f["value"].to_numpy(),
                            "size": [sizes.get(code, 0) for code in codes],
                        }
                    )
                )
        return page_charts.distribution(parts, meta, highlight, aggregated=big)

    # At scale the spec depends only on the class view and the focus practices (their own users
    # see them named and raw), so it is memoised on exactly those.
    dist_key = (
        "distribution-spec",
        indicator_id,
        date,
        compare,
        ckey,
        tuple(sorted(focus_codes)),
        tuple(highlight),
    )
    page.add_chart(
        "distribution",
        f"Practices at {compare:%B %Y} and {date:%B %Y}, sized by list size",
        c.store.memo_large(dist_key, build_distribution) if big else build_distribution(),
    )

    var_table = page.add_table(
        Table(
            "variation",
            "Variation between practices, then and now",
            [
                Column("measure", "Measure"),
                Column("then", f"{compare:%b %Y}", "num"),
                Column("now", f"{date:%b %Y}", "num"),
            ],
        )
    )
    for label, weighted in (("unweighted", False), ("weighted by list size", True)):
        vt = analysis.programme_variation(c.ws, c.store, a, indicator_id, compare, weighted)
        vn = analysis.programme_variation(c.ws, c.store, a, indicator_id, date, weighted)
        for key in ("median", "q1", "q3", "iqr", "min", "max", "sd", "cv", "n"):
            var_table.rows.append(
                {
                    "measure": f"{key.upper() if len(key) <= 3 else key.capitalize()} ({label})",
                    "then": vt.get(key),
                    "now": vn.get(key),
                }
            )

    series, focus_label = _focus_series(c, a, indicator_id, focus)
    spc_rows = []
    if len(series) >= 2:
        practice_focus = not focus.startswith("network:") and focus != "programme"
        # The focus's charts are the same for every user who may ask for that focus with the same
        # view of its counts (a practice's own users; a group's members all own, or not): memoise.
        if practice_focus:
            members_own = True
        else:
            members = (
                analysis.network_members(c.store, a, focus[8:]) if focus.startswith("network:") else a.shared
            )
            members_own = all(m in a.own for m in members)  # as analysis.group_series decides
        key = (
            "focus-view",
            indicator_id,
            focus,
            focus_label,
            meta.title,
            meta.improvement,
            meta.target,
            analysis.class_key(a),
            members_own,
        )
        view = c.store.memo_large(
            key, lambda: _focus_view(c, a, indicator_id, meta, series, focus_label, practice_focus)
        )
        spc = view["spc"]
        spc_rows = view["table"]
        page.add_chart(
            "trend", f"{focus_label}: trend with statistical process control limits", view["spc_spec"]
        )
        st = page.add_table(
            Table(
                "trend",
                f"{focus_label}: monthly values and SPC",
                [
                    Column("date", "Date"),
                    Column("value", "Value", "pct"),
                    Column("mean", "Mean", "pct"),
                    Column("lpl", "Lower limit", "pct"),
                    Column("upl", "Upper limit", "pct"),
                    Column("point_type", "Point"),
                ],
            )
        )
        st.rows = view["rows"]
        if view["peers_spec"] is not None:
            page.add_chart(
                "peers",
                f"{focus_label} against the deciles of practices with an agreement",
                view["peers_spec"],
            )
        ctx_spc = {
            "variation": _mdc(spc.variation),
            "assurance": _mdc(spc.assurance) if spc.assurance else "No target",
        }
    else:
        ctx_spc = None
    return respond(
        request,
        "dashboard/indicator.jinja",
        page,
        {
            "meta": meta,
            "date": date,
            "compare": compare,
            "dates": dates,
            "focus": focus,
            "focus_options": focus_options,
            "focus_box": len(own_shared) > PICKER_LIMIT,
            "networks": networks,
            "method": method,
            "hidden": hidden,
            "spc": ctx_spc,
            "funnel": fb,
            "n_shown": len(shown),
            "league_page": league_page,
            "league_pages": pages,
            "league_links": _league_links(request, league_page, pages, per_page, len(order)),
            "spc_rows": spc_rows,
        },
    )


def _focus_view(
    c: Ctx,
    a: Access,
    indicator_id: str,
    meta: IndicatorMeta,
    series: pd.DataFrame,
    focus_label: str,
    practice_focus: bool,
) -> dict[str, Any]:
    """SPC of the focus's series (chart and table rows) and, for a practice, its recent months
    against peer deciles."""
    spc = stats.spc(
        series["value"].to_numpy(dtype="float64"), improvement=meta.improvement, target=meta.target
    )
    tbl = spc.table.reset_index(drop=True)
    dates = series["reporting_date"].to_list()
    tbl["reporting_date"] = dates
    rows = [
        {
            "date": d.isoformat(),
            "value": value,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "point_type": _mdc(point),
        }
        for d, value, mean, lpl, upl, point in zip(
            dates, tbl["value"], tbl["mean"], tbl["lpl"], tbl["upl"], tbl["point_type"], strict=True
        )
    ]
    peers_spec = None
    if practice_focus:
        dec = analysis.peer_deciles(c.store, c.ws, a, indicator_id)
        recent = series.tail(analysis.TREND_MONTHS)
        own = pd.DataFrame(
            {"date": [d.isoformat() for d in recent["reporting_date"]], "value": recent["value"].to_numpy()}
        )
        if len(dec):
            peers_spec = page_charts.trend(own, dec, focus_label, meta)
    return {
        "spc": spc,
        "table": tbl,
        "rows": rows,
        "spc_spec": page_charts.spc(spc, dates, meta, focus_label),
        "peers_spec": peers_spec,
    }


def _league_links(
    request: HttpRequest, current: int, pages: int, per_page: int, total: int
) -> dict[str, Any]:
    """Previous/next links of the league table, keeping the page's other choices."""

    def href(n: int) -> str:
        q = request.GET.copy()
        q.pop("download", None)
        q["league_page"] = str(n)
        return f"{request.path}?{q.urlencode()}#table-league-table"

    def ranks(n: int) -> str:
        return f"{(n - 1) * per_page + 1:,} to {min(total, n * per_page):,}"

    out: dict[str, Any] = {"previous": None, "next": None}
    if current > 1:
        out["previous"], out["previous_label"] = href(current - 1), ranks(current - 1)
    if current < pages:
        out["next"], out["next_label"] = href(current + 1), ranks(current + 1)
    return out


def _focus_series(c: Ctx, a: Access, indicator_id: str, focus: str):  # noqa: ANN202
    if focus.startswith("network:"):
        code = focus[8:]
        members = analysis.network_members(c.store, a, code)
        label = f"Network {code}"
    elif focus == "programme":
        members = c.store.memo(("visible", analysis.class_key(a)), a.visible)
        label = "All practices with an agreement"
    else:
        s = c.store.practice_series(focus, indicator_id)
        return s[s["denominator"] > 0], a.label(focus)
    return analysis.group_series(c.ws, c.store, a, indicator_id, members, focus), label


# --- networks ------------------------------------------------------------------------------------


def _indicator_param(request: HttpRequest, c: Ctx) -> IndicatorMeta:
    ind = request.GET.get("indicator")
    if ind is None:
        with_target = [m for m in c.catalogue.values() if m.target is not None and m.kind == "clinical"]
        return (with_target or list(c.catalogue.values()))[0]
    if ind not in c.catalogue:
        raise Http404("No such indicator")
    return c.catalogue[ind]


def _incentives(
    sums: analysis.NetworkSums, meta: IndicatorMeta, overrides: dict[str, float]
) -> tuple[list[float | None], list[bool | None]]:
    """Each network's target (its override, else the indicator's) and whether its combined raw
    value earns the incentive (gpqi.stats.network_incentive), in the order of `sums.networks`."""
    targets = [overrides.get(n, meta.target) for n in sums.networks]
    earned: list[bool | None] = [None] * len(targets)
    for target in {t for t in targets if t is not None}:
        idx = [i for i, t in enumerate(targets) if t == target]
        result = stats.network_incentive(
            sums.numerator[idx],
            sums.denominator[idx],
            [sums.networks[i] for i in idx],
            target,
            higher_is_better=meta.higher_is_better,
        )
        achieved = dict(zip(result["network"], result["achieved"], strict=True))
        for i in idx:
            if sums.denominator[i] > 0:
                earned[i] = bool(achieved[sums.networks[i]])
    return targets, earned


@with_results
def networks(request: HttpRequest, c: Ctx) -> HttpResponse:
    """Each network's combined value (visible practices only) against its target."""
    a = c.access
    meta = _indicator_param(request, c)
    sums = analysis.network_sums(c.ws, c.store, a, meta.id, c.date)
    overrides = network_targets(meta.id)
    targets, earned = c.store.memo(
        ("incentives", meta.id, c.date, meta.target, meta.higher_is_better, analysis.class_key(a))
        + tuple(sorted(overrides.items())),
        lambda: _incentives(sums, meta, overrides),
    )
    page = Page("Networks")
    t = page.add_table(
        Table(
            "networks",
            f"{meta.title}: networks at {c.date:%d %B %Y}",
            [
                Column("network", "Network"),
                Column("practices", "Practices with an agreement", "int"),
                Column("numerator", "Numerator", "int"),
                Column("denominator", "Denominator", "int"),
                Column("value", "Combined value", "pct"),
                Column("target", "Target", "pct"),
                Column("status", "Incentive"),
            ],
        )
    )

    def row(i: int) -> dict[str, Any]:
        net = sums.networks[i]
        own = a.is_central or net == a.home_network  # a network's own users see its raw sums
        num = sums.numerator[i] if own else sums.disclosed_numerator[i]
        den = sums.denominator[i] if own else sums.disclosed_denominator[i]
        value = num / den if den and not np.isnan(num) and not np.isnan(den) else None
        return {
            "network": net,
            "_href": reverse("dashboard:network", args=[net]) + f"?indicator={meta.id}",
            "practices": int(sums.practices[i]),
            "numerator": None if np.isnan(num) else float(num),
            "numerator_note": "suppressed",
            "denominator": None if np.isnan(den) else float(den),
            "denominator_note": "suppressed",
            "value": value,
            "target": targets[i],
            "status": "No target" if earned[i] is None else ("Earned" if earned[i] else "Not earned"),
            "_class": "gpqi-own" if net == a.home_network else "",
        }

    n = len(sums.networks)
    shown = list(range(min(n, t.display_limit)))
    if a.home_network in sums.networks:
        home = sums.networks.index(a.home_network)
        shown = ([home] if home not in shown else []) + shown
    t.set_rows([row(i) for i in shown], total=n, every=lambda: [row(i) for i in range(n)])
    return respond(
        request, "dashboard/networks.jinja", page, {"meta": meta, "catalogue": c.catalogue, "date": c.date}
    )


@with_results
def network(request: HttpRequest, c: Ctx, code: str) -> HttpResponse:
    a = c.access
    if code not in analysis.visible_networks(c.store, a):
        raise Http404("No such network")
    meta = _indicator_param(request, c)
    frame, _ = analysis.indicator_frame(c.ws, c.store, a, meta.id, c.date)
    frame = frame[frame["network_code"] == code]
    frame = frame.assign(label=analysis.labels(a, frame["org_code"])).sort_values("label")
    page = Page(f"Network {code}")
    t = page.add_table(
        Table(
            "network-practices",
            f"{meta.title}: practices in network {code} at {c.date:%d %B %Y}",
            [
                Column("label", "Practice"),
                Column("numerator", "Numerator", "int"),
                Column("denominator", "Denominator", "int"),
                Column("value", "Value", "pct"),
            ],
        )
    )
    for _, r in frame.iterrows():
        t.rows.append(
            {
                "label": r["label"],
                "numerator": None if np.isnan(r["numerator"]) else r["numerator"],
                "numerator_note": "suppressed",
                "denominator": None if np.isnan(r["denominator"]) else r["denominator"],
                "denominator_note": "suppressed",
                "value": None if np.isnan(r["value"]) else r["value"],
                "value_note": "suppressed",
                "_href": reverse("dashboard:practice", args=[r["org_code"]])
                if a.may_view_practice(r["org_code"])
                else None,
                "_class": "gpqi-own" if r["own"] else "",
            }
        )
    return respond(
        request,
        "dashboard/network.jinja",
        page,
        {"meta": meta, "code": code, "catalogue": c.catalogue, "date": c.date},
    )


# --- operational -----------------------------------------------------------------------------------


@with_results
def operational(request: HttpRequest, c: Ctx) -> HttpResponse:
    """Appointments and did-not-attend rates by lead time, mode and channel: practice vs peers."""
    a = c.access
    options = a.own_shared()
    if not options:
        raise Http404("No practice in your scope")
    code = request.GET.get("practice") or (a.home_practice if a.home_practice in options else options[0])
    if code not in options:
        raise Http404("No such practice")
    ops = [m for m in c.catalogue.values() if m.kind == "operational"]
    peers = analysis.peer_summaries(c.store, a, c.date)
    series = c.store.practice_series(code)
    latest = series[series["reporting_date"] == c.date].set_index("indicator_id")
    page = Page("Operational")
    t = page.add_table(
        Table(
            "operational",
            f"{a.label(code)}: appointments at {c.date:%B %Y}",
            [
                Column("title", "Measure"),
                Column("value", "Practice", "pct"),
                Column("numerator", "Did not attend", "int"),
                Column("denominator", "Appointments", "int"),
                Column("median", "Peer median", "pct"),
                Column("q1", "Peer lower quartile", "pct"),
                Column("q3", "Peer upper quartile", "pct"),
            ],
        )
    )
    chart_rows = []
    for m in sorted(ops, key=lambda m: m.id):
        if m.id not in latest.index:
            continue
        r = latest.loc[m.id]
        p = peers.get(m.id)
        t.rows.append(
            {
                "title": m.title,
                "_href": reverse("dashboard:indicator", args=[m.id]) + f"?focus={code}",
                "value": analysis._f(r["value"]),
                "numerator": int(r["numerator"]),
                "denominator": int(r["denominator"]),
                "median": p.median if p else None,
                "q1": p.q1 if p else None,
                "q3": p.q3 if p else None,
            }
        )
        chart_rows.append(
            {
                "measure": m.title,
                "practice": analysis._f(r["value"]),
                "median": p.median if p else None,
                "q1": p.q1 if p else None,
                "q3": p.q3 if p else None,
            }
        )
    if chart_rows:
        page.add_chart(
            "operational",
            "Practice against the peer median and interquartile range",
            page_charts.operational(chart_rows, a.label(code)),
        )
    return respond(
        request,
        "dashboard/operational.jinja",
        page,
        {
            "code": code,
            "options": [(o, a.label(o)) for o in options] if len(options) <= PICKER_LIMIT else [],
            "code_box": len(options) > PICKER_LIMIT,
            "date": c.date,
        },
    )


# --- data quality ----------------------------------------------------------------------------------


@login_required
def data_quality(request: HttpRequest) -> HttpResponse:
    """For the central team: the snapshot, its quarantine counts and the last run."""
    a = access_for(request)
    if a.role not in CENTRAL_ROLES:
        raise Http404("Not available for your role")
    ws = workspace()
    page = Page("Data quality")
    ctx: dict[str, Any] = {"snapshot_id": ws.current_snapshot_id()}
    snap = None
    try:
        snap = ws.current_snapshot()
    except WorkspaceError as exc:
        ctx["snapshot_error"] = str(exc)
    if snap is not None:
        manifest = _read_json(snap / "manifest.json")
        report = _read_json(snap / "report.json")
        ctx["manifest"] = {k: v for k, v in manifest.items() if isinstance(v, (str, int, float))}
        t = page.add_table(
            Table(
                "quarantine",
                "Rows read, loaded and quarantined per table",
                [
                    Column("table", "Table"),
                    Column("read", "Read", "int"),
                    Column("loaded", "Loaded", "int"),
                    Column("quarantined", "Quarantined", "int"),
                ],
            )
        )
        for table, counts in _report_tables(report):
            t.rows.append({"table": table, **counts})
        q = page.add_table(
            Table(
                "quarantine-practices",
                "Quarantined rows per practice",
                [
                    Column("practice", "Practice"),
                    Column("table", "Table"),
                    Column("quarantined", "Quarantined", "int"),
                ],
            )
        )
        for practice, table, n in _report_practices(report):
            q.rows.append({"practice": practice, "table": table, "quarantined": n})
    run = store_for(ws).run_info()
    ctx["run"] = {k: v for k, v in (run or {}).items() if isinstance(v, (str, int, float))}
    if run and isinstance(run.get("indicators"), (dict, list)):
        inds = run["indicators"]
        r = page.add_table(
            Table(
                "run-indicators",
                "Indicators in the last run and their versions",
                [Column("id", "Indicator"), Column("version", "Version")],
            )
        )
        items = (
            inds.items()
            if isinstance(inds, dict)
            else ((i.get("id"), i.get("version")) if isinstance(i, dict) else (i, "") for i in inds)
        )
        for ind, ver in items:
            r.rows.append({"id": ind, "version": json.dumps(ver) if isinstance(ver, (dict, list)) else ver})
    return respond(request, "dashboard/data_quality.jinja", page, ctx)


def _read_json(path) -> dict[str, Any]:  # noqa: ANN001
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _report_tables(report: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    tables = report.get("tables") or {}
    out = []
    for table, entry in tables.items() if isinstance(tables, dict) else []:
        if isinstance(entry, dict):
            out.append((table, {k: int(entry.get(k, 0) or 0) for k in ("read", "loaded", "quarantined")}))
    return out


def _report_practices(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    out = []
    practices = report.get("practices") or {}
    if isinstance(practices, dict):
        for practice, tables in practices.items():
            if isinstance(tables, dict):
                for table, entry in tables.items():
                    n = entry.get("quarantined", 0) if isinstance(entry, dict) else 0
                    if n:
                        out.append((practice, table, int(n)))
    return out


@login_required
def about(request: HttpRequest) -> HttpResponse:
    ws = workspace()
    return render(
        request,
        "dashboard/about.jinja",
        {"page": Page("About this data"), "disclosure": ws.config.disclosure},
    )
