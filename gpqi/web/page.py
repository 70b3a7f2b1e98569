"""A page's downloadable parts: its tables (CSV, XLSX) and charts (PNG, SVG), served by the
same URL as the page with `?download=NAME&format=FMT`, so a download can never show more than
the page it belongs to (the same view, the same permission checks, the same data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gpqi.charts import render as render_chart
from gpqi.web.tables import Table, to_csv, to_xlsx

TABLE_FORMATS = ("csv", "xlsx")
CHART_FORMATS = ("png", "svg")


@dataclass
class Chart:
    name: str
    title: str
    spec: dict[str, Any]


@dataclass
class Page:
    title: str
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)

    def add_table(self, table: Table) -> Table:
        self.tables[table.name] = table
        return table

    def add_chart(self, name: str, title: str, spec: dict[str, Any]) -> Chart:
        chart = Chart(name, title, spec)
        self.charts[name] = chart
        return chart


def respond(request: HttpRequest, template: str, page: Page, context: dict[str, Any]) -> HttpResponse:
    name = request.GET.get("download")
    if name:
        fmt = request.GET.get("format", "csv")
        if name in page.tables and fmt in TABLE_FORMATS:
            table = page.tables[name]
            return to_csv(table) if fmt == "csv" else to_xlsx(table)
        if name in page.charts and fmt in CHART_FORMATS:
            data = render_chart(page.charts[name].spec, fmt)
            content_type = "image/png" if fmt == "png" else "image/svg+xml"
            response = HttpResponse(data, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
            return response
        raise Http404("No such download")
    return render(request, template, {"page": page, **context})
