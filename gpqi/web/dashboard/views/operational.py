"""The operational page: did-not-attend rates for one practice against practices with an agreement,
in the words a practice manager uses: by how far ahead the appointment was booked (in that order,
from the same day to more than four weeks), by how it was booked and what kind of appointment it
was (side by side), by who it was with, and month by month against peers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from gpqi.access import figures
from gpqi.web.catalogue import IndicatorMeta
from gpqi.web.dashboard import charts as page_charts
from gpqi.web.dashboard.views.common import PICKER_LIMIT, Ctx, page_about, shared_scope, with_results
from gpqi.web.jinja import script_json
from gpqi.web.page import Page, respond
from gpqi.web.tables import Column, Table

HEADLINE = "dna-all"
# The library's operational indicators in the order a reader compares them; an operational
# indicator not listed here (a workspace's own) goes under "Other measures".
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "lead",
        "By how far ahead the appointment was booked",
        (
            "dna-lead-same-day",
            "dna-lead-1-day",
            "dna-lead-2-7-days",
            "dna-lead-8-14-days",
            "dna-lead-15-21-days",
            "dna-lead-22-28-days",
            "dna-lead-over-28-days",
        ),
    ),
    ("48h", "Booked within 48 hours or further ahead", ("dna-within-48h", "dna-after-48h")),
    (
        "channel",
        "By how it was booked",
        ("dna-channel-online", "dna-channel-telephone", "dna-channel-in-person"),
    ),
    (
        "mode",
        "By type of appointment",
        ("dna-mode-face-to-face", "dna-mode-telephone", "dna-mode-video-online", "dna-mode-home-visit"),
    ),
    (
        "clinician",
        "By who the appointment was with",
        ("dna-clinician-gp", "dna-clinician-nurse", "dna-clinician-other"),
    ),
)


def short_label(meta: IndicatorMeta) -> str:
    """ "Did-not-attend rate — booked on the day" -> "Booked on the day"."""
    head, sep, tail = meta.title.partition(" — ")
    text = tail if sep and head.lower().startswith("did-not-attend") else meta.title
    return text[:1].upper() + text[1:]


def grouped(ops: list[IndicatorMeta]) -> list[tuple[str, str, list[IndicatorMeta]]]:
    """The page's groups with the indicators that have results, in reading order."""
    by_id = {m.id: m for m in ops}
    listed = {i for _, _, ids in GROUPS for i in ids} | {HEADLINE}
    out = [(key, title, [by_id[i] for i in ids if i in by_id]) for key, title, ids in GROUPS]
    other = sorted((m for m in ops if m.id not in listed), key=lambda m: m.title)
    out.append(("other", "Other measures", other))
    return [g for g in out if g[2]]


@with_results
def operational(request: HttpRequest, c: Ctx) -> HttpResponse:
    """Did-not-attend rates by lead time, channel, mode and clinician, and the monthly trend."""
    a = c.access
    options = a.own_shared()
    if not options:
        raise Http404("No practice in your scope")
    code = request.GET.get("practice") or (a.home_practice if a.home_practice in options else options[0])
    if code not in options:
        raise Http404("No such practice")
    label = a.label(code)
    ops = [m for m in c.catalogue.values() if m.kind == "operational"]
    page = Page("Appointments and did-not-attend")
    page.file_parts = [code]
    page.about = page_about(c, f"{label} ({code}) against {shared_scope(c)}")
    # Everything below depends only on the practice, its label, the date, the indicators' titles
    # and the class view (peer figures); a practice's own users share it, so it is built once.
    key = (
        "operational-page",
        code,
        label,
        c.date,
        tuple((m.id, m.title) for m in ops),
        figures.class_key(a),
    )
    built = c.store.memo(key, lambda: _build(c, code, label, ops))
    page.add_table(dataclasses.replace(built.table))  # a copy: a download sets its own context
    for name, title, spec, encoded in built.charts:
        page.add_chart(name, title, spec, encoded)
    return respond(
        request,
        "dashboard/operational.jinja",
        page,
        {
            "code": code,
            "label": label,
            "headline": built.headline,
            "options": [(o, a.label(o)) for o in options] if len(options) <= PICKER_LIMIT else [],
            "code_box": len(options) > PICKER_LIMIT,
            "date": c.date,
            "groups": built.groups,
            # measures whose peer figures are withheld (too many practices' counts too small)
            "no_peers": built.no_peers,
        },
    )


@dataclass(frozen=True)
class Built:
    """The operational page's figures for one practice (memoised: see `operational`)."""

    table: Table
    charts: list[tuple[str, str, dict[str, Any], str]]  # name, title, spec, the spec's JSON
    headline: dict[str, Any] | None
    groups: dict[str, str]
    no_peers: int


def _build(c: Ctx, code: str, label: str, ops: list[IndicatorMeta]) -> Built:
    peers = figures.peer_summaries(c.ws, c.store, c.access, c.date)
    series = c.store.practice_series(code)
    latest = series[series["reporting_date"] == c.date].set_index("indicator_id")

    def row(m: IndicatorMeta, group: str) -> dict[str, Any] | None:
        if m.id not in latest.index:
            return None
        r = latest.loc[m.id]
        p = peers.get(m.id)
        return {
            "group": group,
            "title": short_label(m),
            "_href": reverse("dashboard:indicator", args=[m.id]) + f"?focus={code}",
            "value": None if r["value"] != r["value"] else float(r["value"]),
            "numerator": int(r["numerator"]),
            "denominator": int(r["denominator"]),
            "median": p.median if p else None,
            "q1": p.q1 if p else None,
            "q3": p.q3 if p else None,
            "_meta": m,
            "_peers": p,
        }

    table = Table(
        "operational",
        f"{label}: did-not-attend rates at {c.date:%B %Y}",
        [
            Column("title", "Appointments"),
            Column("group", "Grouped"),
            Column("value", label, "pct"),
            Column("median", "Middle practice", "pct"),
            Column("numerator", "Missed", "int"),
            Column("denominator", "Booked", "int"),
            Column("q1", "Peer lower quartile", "pct", detail=True),
            Column("q3", "Peer upper quartile", "pct", detail=True),
        ],
        file_label="did-not-attend",
    )
    charts: list[tuple[str, str, dict[str, Any], str]] = []
    headline_meta = c.catalogue.get(HEADLINE)
    headline = row(headline_meta, "All appointments") if headline_meta else None
    if headline:
        table.rows.append(headline)
    groups: dict[str, str] = {}
    for key, title, metas in grouped(ops):
        rows = [r for r in (row(m, title) for m in metas) if r is not None]
        table.rows += rows
        if rows:
            spec = page_charts.position(
                [
                    page_charts.position_row(r["_meta"], r["value"], r["_peers"], measure=r["title"])
                    for r in rows
                ],
                label,
                value_title="Did-not-attend rate",
            )
            title_text = f"{title}: {label} against practices with an agreement, {c.date:%B %Y}"
            charts.append((key, title_text, spec, script_json(spec)))
            groups[key] = title
    if headline_meta is not None:
        trend = _trend(c, code, label, headline_meta)
        if trend is not None:
            charts.append(trend)
    no_peers = sum(1 for r in table.rows if r["median"] is None)
    return Built(table.finish(), charts, headline, groups, no_peers)


def _trend(c: Ctx, code: str, label: str, meta: IndicatorMeta) -> tuple[str, str, dict[str, Any], str] | None:
    """The practice's did-not-attend rate month by month against the deciles of practices with an
    agreement (from disclosed counts, as on the indicator page)."""
    s = c.store.practice_series(code, meta.id)
    s = s[s["denominator"] > 0].tail(figures.TREND_MONTHS)
    dec = figures.peer_deciles(c.store, c.ws, c.access, meta.id)
    if len(s) < 2 or not len(dec):
        return None
    own = pd.DataFrame({"date": [d.isoformat() for d in s["reporting_date"]], "value": s["value"].to_numpy()})
    spec = page_charts.trend(own, dec, label, meta, y_title="Did-not-attend rate")
    title = f"All appointments, month by month: {label} against practices with an agreement"
    return "trend", title, spec, script_json(spec)
