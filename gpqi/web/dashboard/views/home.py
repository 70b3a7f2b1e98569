"""The home page: what each role needs first (a practice's indicators by opportunity, a network's
targets, a facilitator's practices, the central team's agreements and last run)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.web.accounts.models import Role
from gpqi.web.dashboard import charts as page_charts
from gpqi.web.dashboard.views.common import (
    Ctx,
    mdc_label,
    network_label,
    network_names,
    opportunity_cells,
    page_about,
    shared_scope,
    with_results,
)
from gpqi.web.governance import improvement
from gpqi.web.jinja import script_json
from gpqi.web.page import Page, respond
from gpqi.web.tables import Column, Table

POSITION_ROWS = 8  # indicators in the home page's position-against-peers chart


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
            rebase = improvement.practice_rebase_dates(a.practices[code].network_code, list(c.catalogue))
            ctx["practice"] = a.practices[code]
            ctx["lead_kind"] = "operational and campaign" if a.role == Role.PRACTICE_MANAGER else "clinical"
            # The tables and chart depend only on these (a practice's own users share them): built
            # once per results version and kept with their HTML and JSON.
            key = (
                "home-practice",
                code,
                a.label(code),
                a.role,
                c.date,
                tuple((m.id, m.title, m.kind, m.target) for m in c.catalogue.values()),
                tuple(sorted((k, tuple(v)) for k, v in rebase.items())),
                figures.class_key(a),
            )
            tables, chart = c.store.memo(key, lambda: _practice_parts(c, code, ctx["lead_kind"], rebase))
            for table in tables:
                page.add_table(dataclasses.replace(table))  # a copy: a download sets its own context
            if chart is not None:
                page.add_chart(*chart)
            page.file_parts = [code]
            page.about = page_about(c, f"{a.label(code)} ({code}) against {shared_scope(c)}")
    elif a.role == Role.NETWORK_LEAD and a.home_network:
        ctx["network"] = network_label(a.home_network)
        page.add_table(_network_targets_table(c, a.home_network))
        page.file_parts = [a.home_network]
        page.about = page_about(
            c, f"The practices of {ctx['network']} with a data-sharing agreement in force"
        )
    elif a.role == Role.FACILITATOR:
        page.add_table(_facilitator_table(c))
        page.about = page_about(c, "Your practices against " + shared_scope(c))
    else:
        ctx["run"] = c.store.run_info()
        page.add_table(_agreement_summary_table(c))
        page.about = page_about(c, "Every practice in the snapshot")
    return respond(request, "dashboard/home.jinja", page, ctx)


def _practice_parts(
    c: Ctx, code: str, lead_kind: str, rebase: dict[str, list]
) -> tuple[list[Table], tuple[str, str, dict[str, Any], str] | None]:
    """A practice user's home page: its indicators, those of the role's kind first (most to gain
    first), and the position chart of the first few."""
    a = c.access
    rows = figures.practice_indicators(c.ws, c.store, a, code, c.catalogue, rebase)
    lead = ("operational", "campaign") if a.role == Role.PRACTICE_MANAGER else ("clinical",)
    key = lambda r: (-(r.opportunity or 0), r.meta.title)  # noqa: E731
    first = sorted((r for r in rows if r.meta.kind in lead), key=key)
    rest = sorted((r for r in rows if r.meta.kind not in lead), key=key)
    label = a.label(code)
    tables = [
        _opportunity_table(
            "priorities", f"{label}: {lead_kind} indicators, most to gain first", first, code
        ).finish(),
        _opportunity_table("other-indicators", f"{label}: other indicators", rest, code).finish(),
    ]
    shown = [r for r in first if r.value is not None and r.peers is not None][:POSITION_ROWS]
    chart = None
    if shown:
        spec = page_charts.position(
            [page_charts.position_row(r.meta, r.value, r.peers, r.goal) for r in shown], label
        )
        title = (
            f"{label} against practices with an agreement: the {len(shown)} {lead_kind} "
            "indicators with most to gain"
        )
        chart = ("position", title, spec, script_json(spec))
    return tables, chart


def _opportunity_table(name: str, caption: str, rows: list[figures.PracticeIndicator], code: str) -> Table:
    t = Table(
        name,
        caption,
        [
            Column("title", "Indicator"),
            Column("value", "Practice", "pct"),
            Column("median", "Peer median", "pct"),
            Column("opportunity", "Patients to reach", "int"),
            Column("goal_text", "Goal"),
            Column("variation", "Variation (SPC)"),
            Column("assurance", "Assurance"),
            Column("numerator", "Numerator", "int", detail=True),
            Column("denominator", "Denominator", "int", detail=True),
            Column("target", "Target", "pct", detail=True),
        ],
    )
    for r in rows:
        t.rows.append(
            {
                "title": r.meta.title,
                "_href": reverse("dashboard:indicator", args=[r.meta.id]) + f"?focus={code}",
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "target": r.meta.target,
                "median": r.peers.median if r.peers else None,
                **opportunity_cells(r),
                "variation": mdc_label(r.variation),
                "assurance": mdc_label(r.assurance) if r.assurance else "No target",
            }
        )
    return t


def _network_targets_table(c: Ctx, network_code: str) -> Table:
    from gpqi.web.governance.models import TargetOverride

    a = c.access
    members = figures.network_members(c.store, a, network_code)
    overrides = dict(
        TargetOverride.objects.filter(network__code=network_code).values_list("indicator_id", "value")
    )
    t = Table(
        "network-targets",
        f"{network_names().get(network_code, network_code)}: combined value against target "
        f"({len(members)} practices with an agreement)",
        [
            Column("title", "Indicator"),
            Column("value", "Network", "pct"),
            Column("target", "Target", "pct"),
            Column("status", "Incentive"),
        ],
    )
    rows = figures.network_target_rows(c.ws, c.store, a, network_code, c.date, c.catalogue, overrides)
    t.rows = sorted(
        (
            {
                "title": c.catalogue[r["indicator_id"]].title,
                "_href": reverse("dashboard:network", args=[network_code])
                + f"?indicator={r['indicator_id']}",
                "value": r["value"],
                "target": r["target"],
                "status": "No target" if r["earned"] is None else ("Earned" if r["earned"] else "Not earned"),
            }
            for r in rows
        ),
        key=lambda r: r["title"],
    )
    return t


def _facilitator_table(c: Ctx) -> Table:
    a = c.access
    t = Table(
        "my-practices",
        "Your practices: indicators below target and the largest opportunity",
        [
            Column("name", "Practice"),
            Column("below", "Indicators below target", "int"),
            Column("top", "Most to gain"),
            Column("top_opp", "Patients to reach its goal", "int"),
        ],
    )
    for code in a.own_shared():
        rows = figures.practice_indicators(
            c.ws,
            c.store,
            a,
            code,
            c.catalogue,
            improvement.practice_rebase_dates(a.practices[code].network_code, list(c.catalogue)),
        )
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
