"""The practice list and the practice overview (every indicator, peers, trend, SPC icons,
opportunity, by clinical domain)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from gpqi.access import figures
from gpqi.web import sparkline
from gpqi.web.catalogue import domain_sort_key
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
from gpqi.web.page import Page, respond
from gpqi.web.projects.marks import practice_panel
from gpqi.web.tables import Column, Table


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
    page.about = page_about(c, "Your practices")
    names = network_names()
    for code in codes:
        t.rows.append(
            {
                "name": a.label(code),
                "code": code,
                "network": network_label(a.practices[code].network_code, names),
                "_href": reverse("dashboard:practice", args=[code]),
            }
        )
    return respond(request, "dashboard/practices.jinja", page, {})


@with_results
def practice(request: HttpRequest, c: Ctx, code: str) -> HttpResponse:
    """Every indicator for one practice, grouped by domain."""
    a = c.access
    info = a.require_practice(code)
    rebase = improvement.practice_rebase_dates(a.practices[code].network_code, list(c.catalogue))
    page = Page(f"{info.name}: overview")
    page.file_parts = [code]
    page.about = page_about(c, f"{a.label(code)} ({code}) against {shared_scope(c)}")
    # The tables and sparklines depend only on these, so the users who see this practice alike
    # share them: built once per results version and kept with their HTML.
    key = (
        "practice-overview",
        code,
        a.label(code),
        code in a.own,
        c.date,
        tuple((m.id, m.title, m.domain, m.target) for m in c.catalogue.values()),
        tuple(sorted((k, tuple(v)) for k, v in rebase.items())),
        figures.class_key(a),
    )
    groups = [
        {**g, "table": page.add_table(dataclasses.replace(g["table"]))}  # copies: downloads set context
        for g in c.store.memo(key, lambda: _overview_groups(c, code, rebase))
    ]
    return respond(
        request,
        "dashboard/practice.jinja",
        page,
        {"info": info, "groups": groups, "date": c.date, "code": code, "qi": practice_panel(code)},
    )


def _overview_groups(c: Ctx, code: str, rebase: dict[str, list]) -> list[dict[str, Any]]:
    """The practice's indicators by domain: a table and a sparkline per indicator for each."""
    rows = figures.practice_indicators(c.ws, c.store, c.access, code, c.catalogue, rebase)
    groups = []
    by_domain: dict[str, list[figures.PracticeIndicator]] = {}
    for r in rows:
        by_domain.setdefault(r.meta.domain, []).append(r)
    for domain in sorted(by_domain, key=domain_sort_key):
        t = Table(
            f"overview-{domain}",
            f"{domain.capitalize()} indicators at {c.date:%d %B %Y}",
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
                Column("q1", "Peer lower quartile", "pct", detail=True),
                Column("q3", "Peer upper quartile", "pct", detail=True),
                Column("target", "Target", "pct", detail=True),
            ],
            file_label=f"overview-{domain}",
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
                    "target": r.meta.target,
                    **opportunity_cells(r),
                    "variation": mdc_label(r.variation),
                    "assurance": mdc_label(r.assurance) if r.assurance else "No target",
                }
            )
            sparks[r.meta.id] = sparkline.svg(r.spark, f"{r.meta.title}: last {len(r.spark)} months")
        groups.append({"domain": domain, "table": t.finish(), "sparks": sparks, "rows": by_domain[domain]})
    return groups


# --- indicators ----------------------------------------------------------------------------------
