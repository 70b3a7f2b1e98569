"""A page's downloadable parts: its tables (CSV, XLSX) and charts (PNG, SVG), served by the
same URL as the page with `?download=NAME&format=FMT`, so a download can never show more than
the page it belongs to (the same view, the same permission checks, the same data)."""

from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gpqi.charts import palette as pal
from gpqi.charts import render as render_chart
from gpqi.web.downloads import About, file_name
from gpqi.web.tables import Table, to_csv, to_xlsx

TABLE_FORMATS = ("csv", "xlsx")
CHART_FORMATS = ("png", "svg")


@dataclass
class Chart:
    name: str
    title: str
    spec: dict[str, Any]
    encoded: str | None = None  # the spec's JSON for the page (gpqi.web.jinja.script_json), if kept


@dataclass
class Page:
    title: str
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)
    # What the downloads say about themselves: the first parts of their file names (an
    # indicator id, a practice code) and the context written at their top (gpqi.web.downloads).
    file_parts: list[str | None] = field(default_factory=list)
    about: About | None = None

    def add_table(self, table: Table) -> Table:
        self.tables[table.name] = table
        return table

    def add_chart(self, name: str, title: str, spec: dict[str, Any], encoded: str | None = None) -> Chart:
        """A chart; `encoded`: its spec's JSON when kept with a memoised spec (never changed after)."""
        chart = Chart(name, title, spec, encoded)
        self.charts[name] = chart
        return chart

    def titled(self, caption: str) -> str:
        """A download's title: the caption, led by the page's subject unless it names it."""
        return caption if self.title in caption else f"{self.title}: {caption}"


def downloadable(page: Page, table: Table) -> Table:
    """The table with the page's file name parts and context, unless it has its own."""
    table.file_parts = table.file_parts or page.file_parts
    if table.about is None and page.about is not None:
        table.about = page.about.titled(page.titled(table.caption))
    return table


def chart_download(page: Page, chart: Chart, fmt: str) -> HttpResponse:
    """PNG or SVG of a chart with its title and a source line drawn on it."""
    spec = copy.deepcopy(chart.spec)
    title: dict[str, Any] = {"text": page.titled(chart.title), "anchor": "start", "fontSize": 15}
    if page.about is not None:
        title.update(
            subtitle=textwrap.wrap(page.about.source_line(), 120),
            subtitleFontSize=11,
            subtitleColor=pal.NHS_GREY_1,
        )
    spec["title"] = title
    data = render_chart(spec, fmt)
    response = HttpResponse(data, content_type="image/png" if fmt == "png" else "image/svg+xml")
    day = page.about.reporting_date if page.about else None
    response["Content-Disposition"] = (
        f'attachment; filename="{file_name([*page.file_parts, chart.name], day, fmt)}"'
    )
    return response


def respond(request: HttpRequest, template: str, page: Page, context: dict[str, Any]) -> HttpResponse:
    name = request.GET.get("download")
    if name:
        fmt = request.GET.get("format", "csv")
        if name in page.tables and fmt in TABLE_FORMATS:
            table = downloadable(page, page.tables[name])
            return to_csv(table) if fmt == "csv" else to_xlsx(table)
        if name in page.charts and fmt in CHART_FORMATS:
            return chart_download(page, page.charts[name], fmt)
        raise Http404("No such download")
    return render(request, template, {"page": page, **context})
