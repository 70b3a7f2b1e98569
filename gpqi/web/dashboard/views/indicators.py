"""The indicator list and the indicator page: funnel, league table, distribution at two dates,
trend with SPC and peer deciles for the chosen focus, variation then and now."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.access.booking import booking_gaps
from gpqi.access.focus import Focus, default_focus
from gpqi.access.projects import definition_marks
from gpqi.access.scope import Access
from gpqi.charts.annotations import annotate
from gpqi.charts.annotations import keys as mark_keys
from gpqi.charts.funnel import limit_grid as funnel_limit_grid
from gpqi.web.catalogue import IndicatorMeta, domain_sort_key
from gpqi.web.dashboard import charts as page_charts
from gpqi.web.dashboard.definition import definition
from gpqi.web.dashboard.views.common import (
    PICKER_LIMIT,
    Ctx,
    date_options,
    int_param,
    mdc_label,
    network_label,
    network_names,
    page_about,
    parse_date,
    shared_scope,
    with_results,
)
from gpqi.web.governance import improvement
from gpqi.web.jinja import script_json
from gpqi.web.page import Page, respond
from gpqi.web.projects.marks import chart_marks
from gpqi.web.tables import Column, Table

LEAGUE_PAGE_ROWS = 50  # league table rows per page (every row is in the downloads)


@with_results
def indicator_list(request: HttpRequest, c: Ctx) -> HttpResponse:
    page = Page("Indicators")
    page.about = page_about(c, "The indicators this programme runs")
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


@dataclass
class Selection:
    """What one indicator page request resolved to: the dates, the focus and the funnel method,
    and the practices at both dates as this user may see them (disclosed, labelled only where
    shown). Each part of the page is built from it by one function below."""

    c: Ctx
    meta: IndicatorMeta
    date: dt.date
    compare: dt.date
    focus: Focus
    focus_codes: set[str]  # the focus's own practices (drawn and listed as themselves)
    method: str  # funnel limits: "spiegelhalter" or "wilson"
    now: pd.DataFrame  # practices at `date` (column `focus` flags the focus practices)
    then: pd.DataFrame  # the same at `compare`
    fb: Any  # the funnel's comparator and overdispersion (figures.FunnelBase), or None
    shown: pd.DataFrame  # `now` with a value to show
    focus_rows: pd.DataFrame  # the focus practices among them, labelled
    big: bool  # past POINTS_LIMIT practices the charts draw bins and groups
    highlight: list[str]  # the focus practices' labels
    programme: improvement.Programme | None = None  # the focus network's improvement programme
    # every programme of the focus network on this indicator (read once per request)
    programmes: tuple[improvement.Programme, ...] = ()

    @property
    def a(self) -> Access:
        return self.c.access

    @property
    def indicator_id(self) -> str:
        return self.meta.id

    @property
    def ckey(self) -> tuple:
        return figures.class_key(self.a)

    @property
    def focus_key(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What a chart's focus part depends on: the focus practices (the user's own, shown raw)
        and their labels for this user."""
        return tuple(sorted(self.focus_codes)), tuple(self.highlight)

    @property
    def target(self) -> float:
        return self.fb.target if self.fb is not None else float("nan")

    @property
    def focus_network(self) -> str | None:
        return _network_of(self.a, self.focus)

    @property
    def comparable(self) -> bool:
        """A comparator exists (some shared practice's counts can be shown at this date)."""
        return self.fb is not None and bool(np.isfinite(self.fb.target))

    @property
    def tau2(self) -> float:
        return self.fb.tau2 if self.fb is not None else 0.0

    def class_shown(self, d: dt.date, method: str | None) -> pd.DataFrame:
        """Every shared practice at a date as the user's class sees them (no own overlay): what
        the memoised programme-wide parts are built from."""
        f, _ = figures.indicator_frame(
            self.c.ws,
            self.c.store,
            self.a,
            self.indicator_id,
            d,
            method,
            overlay_own=False,
            higher_is_better=self.meta.higher_is_better,
        )
        return f[~f["redacted"] & (f["denominator"] > 0)]


@with_results
def indicator(request: HttpRequest, c: Ctx, indicator_id: str) -> HttpResponse:
    """Funnel plot, league table, before/after distribution, trend with SPC, variation."""
    meta = c.catalogue.get(indicator_id)
    about = definition(indicator_id)
    if meta is None:
        if about is None:
            raise Http404("No such indicator")
        # Published but not yet run: the definition, and that the page waits for the next run.
        return respond(request, "dashboard/indicator_pending.jinja", Page(about.entry.indicator.title),
                       {"definition": about})  # fmt: skip
    s, choices = _select(request, c, meta)
    page = Page(meta.title)
    page.file_parts = [meta.id]
    page.about = page_about(c, shared_scope(c), meta.reference, s.date)
    _add_funnel(page, s)
    league = _add_league(page, s, request)
    _add_distribution(page, s)
    _add_variation(page, s)
    spc = _add_trend(page, s)
    return respond(
        request,
        "dashboard/indicator.jinja",
        page,
        {
            "meta": meta,
            "date": s.date,
            "compare": s.compare,
            "focus": str(s.focus),
            "focus_value": s.focus,
            "method": s.method,
            "hidden": int(s.now["redacted"].sum()),
            "spc": spc,
            "funnel": s.fb,
            "no_comparison": no_comparison_reason(s),
            "programme": s.programme,
            "n_shown": len(s.shown),
            "definition": about,
            "booking_gaps": booking_gaps(c.access, c.ws) if meta.uses_lead_time else [],
            "date_options": date_options(c.store, s.date),
            "compare_options": date_options(c.store, s.compare),
            **choices,
            **league,
        },
    )


def _network_of(a: Access, focus: Focus) -> str | None:
    """The network of a focus (a practice's own network); None for the whole programme."""
    if focus.kind == "network":
        return focus.code
    if focus.is_practice and focus.code in a.practices:
        return a.practices[focus.code].network_code
    return None


def _select(request: HttpRequest, c: Ctx, meta: IndicatorMeta) -> tuple[Selection, dict[str, Any]]:
    """The request's choices, checked against what the user may see (404 otherwise), and the
    pickers the page offers."""
    a = c.access
    dates = c.store.dates()
    date = parse_date(request.GET.get("date"), dates, c.date)
    own_shared = a.own_shared()
    # A select of thousands of practices or networks is of no use to anyone (and heavy): past
    # PICKER_LIMIT the page offers a code box instead; any visible one can still be asked for.
    focus_options = [(p, a.label(p)) for p in own_shared] if len(own_shared) <= PICKER_LIMIT else []
    own_networks = sorted({a.practices[p].network_code for p in own_shared})
    asked = request.GET.get("focus")
    focus = (Focus.parse(asked) if asked else default_focus(a)).check(a)
    names = network_names(own_networks) if len(own_networks) <= PICKER_LIMIT else {}
    network = _network_of(a, focus)
    programmes = improvement.programmes_of(network, meta.id)
    programme = programmes[0] if programmes else None
    # In an improvement programme the page compares with the month before it started (the
    # baseline), so its rise and the change in variation show by default; else five years back.
    default_compare = (
        improvement.baseline_date(dates, programme) if programme else figures.default_compare(dates, date)
    )
    compare = parse_date(request.GET.get("compare"), dates, default_compare)
    method = request.GET.get("method", "spiegelhalter")
    if method not in ("wilson", "spiegelhalter"):
        raise Http404("Unknown funnel method")

    now, fb = figures.indicator_frame(
        c.ws, c.store, a, meta.id, date, method, higher_is_better=meta.higher_is_better
    )
    then, _ = figures.indicator_frame(c.ws, c.store, a, meta.id, compare)
    focus_codes = focus.own_members(a) if not focus.is_programme else set()
    for f in (now, then):
        f["focus"] = f["org_code"].isin(focus_codes).to_numpy()
    shown = now[~now["redacted"] & (now["denominator"] > 0)]
    # Past POINTS_LIMIT practices the charts draw bins and groups built once per class view
    # (no labels, nothing of this user's own counts) plus the focus practices as themselves.
    big = len(shown) > page_charts.POINTS_LIMIT
    shown = shown.assign(label=None if big else figures.labels(a, shown["org_code"]))
    focus_rows = shown[shown["focus"]].assign(label=lambda f: figures.labels(a, f["org_code"]))
    if big:
        shown.loc[shown["focus"], "label"] = focus_rows["label"]
    selection = Selection(
        c=c,
        meta=meta,
        date=date,
        compare=compare,
        focus=focus,
        focus_codes=focus_codes,
        method=method,
        now=now,
        then=then,
        fb=fb,
        shown=shown,
        focus_rows=focus_rows,
        big=big,
        highlight=[a.label(p) for p in sorted(focus_codes)],
        programme=programme,
        programmes=tuple(programmes),
    )
    choices = {
        "dates": dates,
        "focus_options": focus_options,
        "focus_box": len(own_shared) > PICKER_LIMIT,
        "networks": own_networks if len(own_networks) <= PICKER_LIMIT else [],
        "network_names": {n: network_label(n, names) for n in own_networks}
        if len(own_networks) <= PICKER_LIMIT
        else {},
    }
    return selection, choices


def no_comparison_reason(s: Selection) -> str | None:
    """Why the page cannot compare practices at its date, in plain words (None when it can)."""
    if s.comparable:
        return None
    if not (s.now["denominator"].fillna(0) > 0).any() and not s.now["redacted"].any():
        return f"No patients on the register yet at {s.date:%d %B %Y}, so there is nothing to compare."
    return (
        f"Too few patients to compare safely at {s.date:%d %B %Y}: the counts of practices with an "
        f"agreement are too small to show ({s.c.ws.config.disclosure.redact_at_or_below} or fewer), "
        "so there is no comparator and no funnel plot."
    )


def _add_funnel(page: Page, s: Selection) -> None:
    meta, date, method = s.meta, s.date, s.method
    if not s.comparable:
        return  # the page says why (no_comparison_reason)
    if s.big:

        def base_funnel() -> tuple[dict[str, Any], pd.DataFrame]:
            class_rows = s.class_shown(date, method)
            grid = funnel_limit_grid(class_rows["denominator"].to_numpy(dtype="float64"))
            limits = figures.funnel_limits(grid, s.fb)
            bins = page_charts.funnel_bins(class_rows)
            return page_charts.funnel_base(bins, limits, s.target, method, s.tau2, meta), limits

        outl = s.shown["outlier_998"]
        binned = (len(s.shown), int((outl == "high").sum()), int((outl == "low").sum()))

        def spec_binned() -> tuple[dict[str, Any], str]:
            base, limits = s.c.store.memo(("funnel-base", s.indicator_id, date, method, s.ckey), base_funnel)
            spec = page_charts.funnel_binned(
                base, s.focus_rows, limits, s.target, method, s.tau2, meta, s.highlight, binned
            )
            return spec, script_json(spec)

        # Beyond the class view the spec depends only on the focus practices (their own users see
        # them raw and named) and how many practices are shown and flagged: memoised on those.
        key = (
            "funnel-spec",
            s.indicator_id,
            date,
            method,
            s.ckey,
            *s.focus_key,
            binned,
            meta.title,
            meta.higher_is_better,
        )
        spec, encoded = s.c.store.memo(key, spec_binned)
    else:
        spec = page_charts.funnel(s.shown, s.target, method, s.tau2, meta, s.highlight)
        encoded = None
    page.add_chart(
        "funnel",
        f"Funnel plot at {date:%B %Y} ({'overdispersion-adjusted' if method == 'spiegelhalter' else 'Wilson'} limits)",
        spec,
        encoded,
    )


def _add_league(page: Page, s: Selection, request: HttpRequest) -> dict[str, Any]:
    """The league table (a page of LEAGUE_PAGE_ROWS plus the focus practices; the downloads hold
    every practice) and the caterpillar chart of the same rows."""
    a, meta = s.a, s.meta

    def positions() -> np.ndarray:
        # ranks are the gate's (raw values, ties shared, the same for everyone): the order follows them
        by_rank = s.shown.sort_values(
            ["rank", "value"], ascending=[True, not meta.higher_is_better], kind="stable"
        )
        return by_rank.index.to_numpy()

    # The order depends on the class view and the user's own practices (shown raw): sorted once
    # per run for each such view rather than on every request.
    own_shown = a.own & a.shared
    order_key = ("league-order", s.indicator_id, s.date, s.method, s.ckey, own_shown, meta.higher_is_better)
    order = s.shown.loc[s.c.store.memo(order_key, positions)]
    per_page = LEAGUE_PAGE_ROWS
    pages = max(1, -(-len(order) // per_page))
    league_page = int_param(request.GET.get("league_page"), 1, pages)
    window = order.iloc[(league_page - 1) * per_page : league_page * per_page]
    extra = order[order["focus"] & ~order.index.isin(window.index)]
    on_page = pd.concat([window, extra])
    if s.big:
        on_page = on_page.assign(label=figures.labels(a, on_page["org_code"]))

    def league_row(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "label": r["label"],
            "rank": None if r["rank"] != r["rank"] else int(r["rank"]),
            "numerator": r["numerator"],
            "denominator": r["denominator"],
            "value": r["value"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "outlier": {"high": "Above", "low": "Below"}.get(r["outlier_998"], "Within")
            if s.comparable
            else "Not compared",
            "_class": "gpqi-own" if r["focus"] else "",
            "_href": reverse("dashboard:practice", args=[r["org_code"]])
            if a.may_view_practice(r["org_code"])
            else None,
        }

    def all_league_rows() -> list[dict[str, Any]]:
        full = order if not s.big else order.assign(label=figures.labels(a, order["org_code"]))
        return [league_row(r) for r in full.to_dict("records")]

    def page_rows() -> tuple[list[dict[str, Any]], dict[tuple, Any], dict[str, Any] | None, str | None]:
        """The rows on this page (and their HTML, filled when first drawn) and the caterpillar
        chart of the same rows, with its JSON."""
        spec = None
        if s.comparable:
            spec = page_charts.caterpillar(on_page if pages > 1 else order, meta, s.highlight, s.target)
        rows = [league_row(r) for r in on_page.to_dict("records")]
        return rows, {}, spec, None if spec is None else script_json(spec)

    # What the page shows of the league depends on the view and own practices (the order), the
    # page, and the labels of the rows on it (names or pseudonyms for this user): memoised on
    # those when the table has several pages; a download builds every row for this request.
    labels_on_page = tuple(on_page["label"])
    rows_key = (
        "league-page",
        *order_key[1:],
        tuple(sorted(s.focus_codes)),
        tuple(s.highlight),
        league_page,
        labels_on_page,
        s.comparable,
        s.target if s.comparable else None,  # (NaN, never equal to itself, would never match)
    )
    rows, html, cat_spec, cat_json = s.c.store.memo(rows_key, page_rows) if pages > 1 else page_rows()
    league = page.add_table(
        Table(
            "league-table",
            f"All practices with an agreement at {s.date:%d %B %Y}, {'highest' if meta.higher_is_better else 'lowest'} first",
            [
                Column("label", "Practice"),
                Column("rank", "Rank", "int"),
                Column("value", "Value", "pct"),
                Column("ci_low", "95% CI lower", "pct"),
                Column("ci_high", "95% CI upper", "pct"),
                Column("outlier", "Funnel (99.8%)"),
                Column("numerator", "Numerator", "int"),
                Column("denominator", "Denominator", "int"),
            ],
            display_limit=per_page,
            file_label="league",
            html=html,
        )
    )
    league.set_rows(rows, total=len(order), every=all_league_rows)
    if cat_spec is not None:
        page.add_chart(
            "caterpillar",
            "League table with 95% confidence intervals"
            + (
                f" (ranks {(league_page - 1) * per_page + 1:,} to {min(len(order), league_page * per_page):,} of {len(order):,})"
                if pages > 1
                else ""
            ),
            cat_spec,
            cat_json,
        )
    return {
        "league_page": league_page,
        "league_pages": pages,
        "league_links": _league_links(request, league_page, pages, per_page, len(order)),
    }


def _add_distribution(page: Page, s: Selection) -> None:
    """Practices at the two dates sized by list size: the "before and after" picture."""
    a, c = s.a, s.c

    def build() -> dict[str, Any]:
        then_shown = s.then[~s.then["redacted"] & (s.then["denominator"] > 0)]
        parts = []
        for d, f in ((s.compare, then_shown), (s.date, s.shown)):
            period = d.strftime("%b %Y")
            mine = f[f["focus"]]
            mine = pd.DataFrame(
                {
                    "label": figures.labels(a, mine["org_code"]),
                    "period": period,
                    "value": mine["value"].to_numpy(),
                    "size": figures.list_sizes(c.ws, c.store, a, d, mine["org_code"]),
                }
            )
            if s.big:

                def groups(d: dt.date = d, period: str = period) -> pd.DataFrame:
                    g = s.class_shown(d, None)
                    # class-wide: every practice's list size as an outsider sees it
                    size = np.array(
                        figures.list_sizes(c.ws, c.store, None, d, g["org_code"].to_numpy(dtype=object))
                    )
                    return page_charts.distribution_groups(g["value"].to_numpy(dtype="float64"), size, period)

                parts.append(c.store.memo(("distribution", s.indicator_id, d, s.ckey), groups))
                parts.append(mine)
            else:
                codes = f["org_code"].to_numpy(dtype=object)
                parts.append(
                    pd.DataFrame(
                        {
                            "label": figures.labels(a, codes),
                            "period": period,
                            "value": f["value"].to_numpy(),
                            "size": figures.list_sizes(c.ws, c.store, a, d, codes),
                        }
                    )
                )
        return page_charts.distribution(parts, s.meta, s.highlight, aggregated=s.big)

    def build_encoded() -> tuple[dict[str, Any], str]:
        spec = build()
        return spec, script_json(spec)

    # At scale the spec depends only on the class view and the focus practices (their own users
    # see them named and raw), so it is memoised on exactly those.
    key = ("distribution-spec", s.indicator_id, s.date, s.compare, s.ckey, *s.focus_key)
    spec, encoded = c.store.memo(key, build_encoded) if s.big else (build(), None)
    page.add_chart(
        "distribution",
        f"Practices at {s.compare:%B %Y} and {s.date:%B %Y}, sized by list size",
        spec,
        encoded,
    )


VARIATION_ROWS = (  # key, label, kind: the spread of practices' values is in percentage points
    ("median", "Median", "pct"),
    ("q1", "Lower quartile", "pct"),
    ("q3", "Upper quartile", "pct"),
    ("iqr", "Interquartile range", "pct"),
    ("min", "Lowest", "pct"),
    ("max", "Highest", "pct"),
    ("sd", "Standard deviation", "pct"),
    ("cv", "Coefficient of variation", "num"),
    ("n", "Practices", "int"),
)


def _add_variation(page: Page, s: Selection) -> None:
    spread = {
        (when, weighted): figures.programme_variation(s.c.ws, s.c.store, s.a, s.indicator_id, d, weighted)
        for when, d in (("then", s.compare), ("now", s.date))
        for weighted in (False, True)
    }
    if not any(spread.values()):
        return  # the page says why in plain words
    table = page.add_table(
        Table(
            "variation",
            "Variation between practices, then and now",
            [
                Column("measure", "Measure"),
                Column("then", f"{s.compare:%b %Y}", "pct"),
                Column("now", f"{s.date:%b %Y}", "pct"),
            ],
        )
    )
    groups = [("", False, None), (" (weighted by list size)", True, None)]
    if s.programme is not None:
        networks = frozenset(s.programme.networks)
        for when, d in (("then", s.compare), ("now", s.date)):
            spread[(when, "programme")] = figures.programme_variation(
                s.c.ws, s.c.store, s.a, s.indicator_id, d, False, networks
            )
        groups.insert(0, (f" ({s.programme.name} practices)", "programme", networks))
    for label, weighted, _ in groups:
        vt, vn = spread[("then", weighted)], spread[("now", weighted)]
        for key, name, kind in VARIATION_ROWS:
            if weighted and key == "n":
                continue
            table.rows.append(
                {
                    "measure": name + label,
                    "then": vt.get(key),
                    "now": vn.get(key),
                    "then_kind": kind,
                    "now_kind": kind,
                }
            )


def _add_trend(page: Page, s: Selection) -> dict[str, str] | None:
    """The focus's trend with SPC (chart and table) and, for a practice, against peer deciles,
    marked where the definition changed (with the practice's PDSA cycles and notes); returns the last point's Making Data Count labels
    (None without a trend)."""
    c, a, meta, focus = s.c, s.a, s.meta, s.focus
    series, focus_label, disclosed = _focus_series(c, a, s.indicator_id, focus)
    if len(series) < 2:
        return None
    practice_focus = focus.is_practice
    # The focus's charts are the same for every user who may ask for that focus with the same
    # view of its counts (a practice's own users; a group's own members): memoise on those.
    members_own = tuple(sorted(focus.own_members(a))) if disclosed else True
    rebase = tuple(improvement.rebase_dates_of(list(s.programmes)))
    key = (
        "focus-view",
        s.indicator_id,
        str(focus),
        focus_label,
        meta.title,
        meta.improvement,
        meta.target,
        meta.season_start,
        rebase,
        s.ckey,
        members_own,
    )
    view = c.store.memo(
        key, lambda: _focus_view(c, a, s.indicator_id, meta, series, focus_label, focus, rebase)
    )
    sspc = view["series_spc"]
    what = f"{sspc.season_point} of each season" if sspc.seasonal else "trend"
    # QI projects' PDSA cycles and notes of a practice focus, marked per request (they change
    # without a new run), and the definition changes inside the series
    marks = [] if sspc.seasonal else [*chart_marks(focus, s.indicator_id), *_definition_marks(c, s, series)]
    title = f"{focus_label}: {what}, {sspc.result.chart_label} with statistical process control limits"
    if sspc.seasonal:  # a seasonal chart's x is the season, not the date: no date marks on it
        page.add_chart("trend", title, view["spc_spec"], view["spc_json"])
    elif any(m["kind"] != "definition" for m in marks):
        page.add_chart("trend", title, annotate(view["spc_spec"], marks))
    else:  # definition changes only: the same spec for everyone who sees this view

        def marked() -> tuple[dict[str, Any], str]:
            spec = annotate(view["spc_spec"], marks)
            return spec, script_json(spec)

        changes = tuple((m["date"], m["label"]) for m in marks)
        page.add_chart("trend", title, *c.store.memo((*key, "changes", changes), marked))
    page.add_table(dataclasses.replace(view["table"]))  # a copy: a download sets its own context
    if view["peers_spec"] is not None:
        page.add_chart(
            "peers",
            f"{focus_label} against the deciles of practices with an agreement",
            view["peers_spec"],
            view["peers_json"],
        )
    # the verdict: on the focus's raw counts, the same for every viewer (the chart shows what the
    # user may see of them)
    spc = (
        sspc.result
        if practice_focus
        else (figures.group_verdict(c.ws, c.store, a, meta, focus, rebase) or sspc.result)
    )
    return {
        "variation": mdc_label(spc.variation),
        "assurance": mdc_label(spc.assurance) if spc.assurance else "No target",
        "chart": sspc.result.chart_label,
        "chart_reason": sspc.result.chart_reason,
        "seasonal": sspc.season_point,
        "rebase": [d.strftime("%B %Y") for d in sspc.rebase_dates],
        "marks": mark_keys(marks),
    }


def _definition_marks(c: Ctx, s: Selection, series: pd.DataFrame) -> list[dict[str, str]]:
    """The dates inside the series from which a new definition version was published."""
    first, last = min(series["reporting_date"]), max(series["reporting_date"])
    return [
        {"date": m.date.isoformat(), "label": m.label, "kind": m.kind}
        for m in definition_marks(c.ws, s.indicator_id)
        if first <= m.date <= last
    ]


def _focus_view(
    c: Ctx,
    a: Access,
    indicator_id: str,
    meta: IndicatorMeta,
    series: pd.DataFrame,
    focus_label: str,
    focus: Focus,
    rebase: tuple[dt.date, ...],
) -> dict[str, Any]:
    """SPC of the focus's series on the chart that fits it (chart and table rows) and, for a
    practice, its recent months against peer deciles."""
    sspc = figures.spc_of(
        series["numerator"], series["denominator"], series["reporting_date"].to_list(), meta, rebase
    )
    tbl = sspc.result.table.reset_index(drop=True)
    dates = sspc.dates
    rows = [
        {
            "date": d.isoformat() if not sspc.seasonal else f"{d.isoformat()} ({label})",
            "value": value,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "point_type": mdc_label(point),
        }
        for d, label, value, mean, lpl, upl, point in zip(
            dates,
            sspc.labels,
            tbl["value"],
            tbl["mean"],
            tbl["lpl"],
            tbl["upl"],
            tbl["point_type"],
            strict=True,
        )
    ]
    peers_spec = None
    if focus.is_practice:
        dec = figures.peer_deciles(c.store, c.ws, a, indicator_id)
        recent = series.tail(figures.TREND_MONTHS)
        own = pd.DataFrame(
            {"date": [d.isoformat() for d in recent["reporting_date"]], "value": recent["value"].to_numpy()}
        )
        if len(dec):
            peers_spec = page_charts.trend(own, dec, focus_label, meta)
    what = f"{sspc.season_point} of each season" if sspc.seasonal else "monthly values"
    table = Table(
        "trend",
        f"{focus_label}: {what} and SPC ({sspc.result.chart_label})",
        [
            Column("date", "Date"),
            Column("value", "Value", "pct"),
            Column("mean", "Mean", "pct"),
            Column("lpl", "Lower limit", "pct"),
            Column("upl", "Upper limit", "pct"),
            Column("point_type", "Point"),
        ],
        rows=rows,
        file_label=f"trend-{focus}",
    ).finish()
    spc_spec = page_charts.spc(sspc, meta, focus_label)
    return {
        "series_spc": sspc,
        "table": table,
        "spc_spec": spc_spec,
        "spc_json": script_json(spc_spec),
        "peers_spec": peers_spec,
        "peers_json": None if peers_spec is None else script_json(peers_spec),
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


def _focus_series(c: Ctx, a: Access, indicator_id: str, focus: Focus) -> tuple[pd.DataFrame, str, bool]:
    """The focus's series as the user may see it, its label and whether any of it is disclosed."""
    if focus.is_practice:
        # raw counts of a practice the user may see (the focus was checked): read once per run

        def read() -> pd.DataFrame:
            s = c.store.practice_series(focus.code, indicator_id)
            return s[s["denominator"] > 0]

        return (
            c.store.memo(("focus-practice-series", focus.code, indicator_id), read),
            a.label(focus.code),
            False,
        )
    label = network_label(focus.code) if focus.is_network else "All practices with an agreement"
    series, disclosed = figures.group_series(c.ws, c.store, a, indicator_id, focus)
    return series, label, disclosed
