"""The operational page: appointments and did-not-attend rates by booking lead time, mode and
channel, for a practice against its peers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.web.dashboard import charts as page_charts
from gpqi.web.dashboard.views.common import PICKER_LIMIT, Ctx, with_results
from gpqi.web.page import Page, respond
from gpqi.web.tables import Column, Table


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
    peers = figures.peer_summaries(c.ws, c.store, a, c.date)
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
                "value": None if r["value"] != r["value"] else float(r["value"]),
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
                "practice": None if r["value"] != r["value"] else float(r["value"]),
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
