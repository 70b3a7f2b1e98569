"""The monthly meeting pack: one A4 PDF of a practice, a network or the programme at a month,
laid out from `gpqi.access.pack.PackFigures` (the figures the audience may see: disclosure
already applied there) with WeasyPrint (HTML + CSS to PDF). Charts are the same Vega-Lite specs
as the pages (`gpqi.charts.series_spc_chart`), rendered to SVG by vl-convert and embedded.

Contents: a cover (programme, scope, month, data as of), the headline table with Making Data
Count variation and assurance, the indicators where the scope has most to gain (each with its
SPC chart, a one-sentence reading, the funnel position and the network incentive status),
campaign status, and the QI projects with their latest PDSA cycle. Page numbers in the footer;
a chart and its text never split across pages. Counts only: no patient-level data is read.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gpqi.access.campaigns import CampaignProgress, position_line
from gpqi.access.pack import PackFigures
from gpqi.charts import render
from gpqi.charts.series_spc import series_spc_chart

TEMPLATES = Path(__file__).parent / "templates"

MDC = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Special cause (higher)",
    "special_cause_neutral_low": "Special cause (lower)",
    "consistent_pass": "Consistently passes",
    "consistent_fail": "Consistently fails",
    "inconsistent": "Hit and miss",
}


@dataclass(frozen=True)
class ProjectLine:
    """A QI project as the audience may see it (the web app builds these from its register)."""

    title: str
    practices: list[str]  # labels: names or pseudonyms for the audience
    aim: str
    status: str
    score: str
    latest_cycle: str | None  # "title (start date): what was learnt"


@dataclass
class PackDocument:
    figures: PackFigures
    service: str
    campaigns: list[CampaignProgress] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    disclosure: str = ""  # the rule in words, for the cover


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = lambda v, d=1: "–" if v is None else f"{v * 100:.{d}f}%"
    env.filters["num"] = lambda v: "redacted" if v is None else f"{v:,.0f}"
    env.filters["mdc"] = lambda v: MDC.get(v or "", "–")
    return env


def _chart(spec: dict[str, Any]) -> str:
    # SVG: sharp at any print size, and quicker to make than a PNG
    return "data:image/svg+xml;base64," + base64.b64encode(render(spec, "svg")).decode()


def html(doc: PackDocument) -> str:
    f = doc.figures
    gains = []
    for g in f.gains:
        spec = series_spc_chart(g.series, width=620, height=250)
        gains.append({"g": g, "img": _chart(spec), "alt": spec.get("description", "")})
    campaigns = [
        {
            "p": p,
            "latest": p.programme[-1],
            "own": [position_line(s, p) for s in p.own()] if not p.central else [],
        }
        for p in doc.campaigns
        if p.programme
    ]
    return (
        _env()
        .get_template("pack.html.jinja")
        .render(
            doc=doc,
            f=f,
            month=f.month.strftime("%B %Y"),
            gains=gains,
            campaigns=campaigns,
            made_on=dt.date.today().strftime("%d %B %Y"),
        )
    )


def pdf(doc: PackDocument) -> bytes:
    """The pack as PDF bytes."""
    from weasyprint import HTML  # heavy (Pango): loaded when a pack is made, not at start-up

    return HTML(string=html(doc), base_url=str(TEMPLATES)).write_pdf()


def file_name(figures: PackFigures) -> str:
    scope = figures.focus.code or "programme"
    return f"meeting-pack-{scope}-{figures.month:%Y-%m}.pdf"
