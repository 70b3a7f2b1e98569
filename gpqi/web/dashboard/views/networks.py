"""The networks page (each network's combined value against its target and the incentive) and
a network's own page. The sums shown are the gate's (`figures.network_sums`: the user's own
practices' part raw, the others' disclosed); whether a network earns its incentive is decided on
the raw sums (`figures.network_incentives`), the same for everyone."""

from __future__ import annotations

from typing import Any

import numpy as np
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.web.catalogue import network_targets
from gpqi.web.dashboard.views.common import (
    Ctx,
    indicator_param,
    network_label,
    network_names,
    page_about,
    with_results,
)
from gpqi.web.governance import improvement
from gpqi.web.page import Page, respond
from gpqi.web.tables import Column, Table


@with_results
def networks(request: HttpRequest, c: Ctx) -> HttpResponse:
    """Each network's combined value (visible practices only) against its target."""
    a = c.access
    meta = indicator_param(request, c)
    sums = figures.network_sums(c.ws, c.store, a, meta.id, c.date)
    overrides = network_targets(meta.id)
    targets, earned = figures.network_incentives(c.store, sums, meta, overrides)
    page = Page("Networks")
    page.file_parts = [meta.id]
    page.about = page_about(
        c, "Every network's practices with a data-sharing agreement in force", meta.reference
    )
    names = network_names()
    t = page.add_table(
        Table(
            "networks",
            f"{meta.title}: networks at {c.date:%d %B %Y}",
            [
                Column("network", "Network"),
                Column("value", "Combined value", "pct"),
                Column("target", "Target", "pct"),
                Column("status", "Incentive"),
                Column("practices", "Practices with an agreement", "int"),
                Column("code", "Code", detail=True),
                Column("numerator", "Numerator", "int", detail=True),
                Column("denominator", "Denominator", "int", detail=True),
                Column("programme", "Improvement programme"),
            ],
        )
    )
    in_programme = {n: p.name for p in improvement.all_programmes() if p.covers(meta.id) for n in p.networks}

    def row(i: int) -> dict[str, Any]:
        net = sums.networks[i]
        num, den = sums.numerator[i], sums.denominator[i]  # through the gate's totals rule
        value = num / den if den and not np.isnan(num) and not np.isnan(den) else None
        return {
            "network": names.get(net, net),
            "code": net,
            "_href": reverse("dashboard:network", args=[net]) + f"?indicator={meta.id}",
            "practices": int(sums.practices[i]),
            "numerator": None if np.isnan(num) else float(num),
            "numerator_note": "suppressed",
            "denominator": None if np.isnan(den) else float(den),
            "denominator_note": "suppressed",
            "value": value,
            "target": targets[i],
            "status": "No target" if earned[i] is None else ("Earned" if earned[i] else "Not earned"),
            "programme": in_programme.get(net, ""),
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
    if code not in figures.visible_networks(c.store, a):
        raise Http404("No such network")
    meta = indicator_param(request, c)
    frame, _ = figures.indicator_frame(c.ws, c.store, a, meta.id, c.date)
    frame = frame[frame["network_code"] == code]
    frame = frame.assign(label=figures.labels(a, frame["org_code"])).sort_values("label")
    name = network_label(code)
    page = Page(name)
    page.file_parts = [code, meta.id]
    page.about = page_about(
        c, f"The practices of {name} with a data-sharing agreement in force", meta.reference
    )
    t = page.add_table(
        Table(
            "network-practices",
            f"{meta.title}: practices in {name} at {c.date:%d %B %Y}",
            [
                Column("label", "Practice"),
                Column("numerator", "Numerator", "int"),
                Column("denominator", "Denominator", "int"),
                Column("value", "Value", "pct"),
            ],
            file_label="practices",
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
        {
            "meta": meta,
            "code": code,
            "name": name,
            "catalogue": c.catalogue,
            "date": c.date,
            "programmes": improvement.programmes_of(code),
        },
    )


# --- operational -----------------------------------------------------------------------------------
