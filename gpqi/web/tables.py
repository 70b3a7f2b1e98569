"""Tables shown on pages and downloaded as CSV or XLSX: one definition serves both."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from markupsafe import Markup, escape

COLUMN_KINDS = ("text", "int", "pct", "num", "date")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # one of COLUMN_KINDS


@dataclass
class Table:
    name: str  # url-safe; the download's file name
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_class: str = "_class"  # rows may carry a CSS class under this key (e.g. own practice)
    display_limit: int = 100  # longer tables show this many rows (and the own ones) on the page
    # A long table may hold only the rows its page shows (`rows`) and build the rest on demand
    # for a download (`every`): at national scale that saves thousands of rows on every request.
    total: int | None = None
    every: Callable[[], list[dict[str, Any]]] | None = field(default=None, repr=False)

    def set_rows(
        self, rows: list[dict[str, Any]], total: int, every: Callable[[], list[dict[str, Any]]]
    ) -> None:
        """Rows shown on the page, how many the table has in all, and how to build them all."""
        self.rows, self.total, self.every = rows, total, every

    def all_rows(self) -> list[dict[str, Any]]:
        """Every row (what the downloads hold)."""
        return self.every() if self.every is not None else self.rows

    def row_count(self) -> int:
        return self.total if self.total is not None else len(self.rows)

    def display_rows(self) -> list[dict[str, Any]]:
        """All rows up to the limit; past it the first rows plus any highlighted (own) row. The
        downloads always hold every row."""
        if self.every is not None or len(self.rows) <= self.display_limit:
            return self.rows
        head = self.rows[: self.display_limit]
        extra = [r for r in self.rows[self.display_limit :] if r.get("_class")]
        return head + extra

    def cell(self, row: dict[str, Any], col: Column) -> str:
        value = row.get(col.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return row.get(col.key + "_note", "–")
        if col.kind == "pct":
            return f"{value * 100:.1f}%"
        if col.kind == "int":
            return f"{int(value):,}"
        if col.kind == "num":
            return f"{value:,.2f}"
        return str(value)

    def body_html(self, first_col_header: bool = True) -> Markup:
        """The rows the page shows as NHS table rows (the `table` macro in parts.jinja wraps
        them). Built here rather than in the template: a league table page has a thousand cells
        and a Jinja loop over them was a fifth of the page's time."""
        numeric = [c.kind in ("int", "pct", "num") for c in self.columns]
        out: list[str] = []
        for row in self.display_rows():
            href = row.get("_href")
            link = f'<a href="{escape(href)}">' if href else ""
            cells = []
            for i, (col, num) in enumerate(zip(self.columns, numeric, strict=True)):
                text = escape(self.cell(row, col))
                if i == 0 and first_col_header:
                    inner = f"{link}{text}</a>" if href else text
                    cells.append(f'<th scope="row" class="nhsuk-table__header">{inner}</th>')
                else:
                    inner = f"{link}{text}</a>" if col.key == "_link" and href else text
                    cls = "nhsuk-table__cell gpqi-num" if num else "nhsuk-table__cell"
                    cells.append(f'<td class="{cls}">{inner}</td>')
            out.append(f'<tr class="nhsuk-table__row {escape(row.get("_class", ""))}">{"".join(cells)}</tr>')
        if not out:
            out.append(
                f'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="{len(self.columns)}">'
                "No practices to show.</td></tr>"
            )
        return Markup("\n".join(out))

    def export_value(self, row: dict[str, Any], col: Column) -> Any:
        value = row.get(col.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return row.get(col.key + "_note", "")
        if col.kind == "pct":
            return round(float(value), 6)
        if col.kind == "int":
            return int(value)
        return value


# Spreadsheet formula injection: a cell starting with one of these is read as a formula by Excel
# or LibreOffice (a leading tab or line break is skipped, so "\t=1+1" is a formula too); such text
# is prefixed with a quote, which makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# The characters XML 1.0, and so XLSX, cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE).
XLSX_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _xlsx_text(value: Any) -> Any:
    # XLSX (XML 1.0) cannot hold most control characters; openpyxl raises, quoting the text. The
    # ingest quarantines them, so this only guards data written some other way.
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub("\ufffd", value)
    return value


def to_csv(table: Table) -> HttpResponse:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([c.label for c in table.columns])
    for row in table.all_rows():
        writer.writerow([_safe_text(table.export_value(row, c)) for c in table.columns])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.name}.csv"'
    return response


def to_xlsx(table: Table) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = table.name[:31]
    ws.append([c.label for c in table.columns])
    for row in table.all_rows():
        values = []
        for c in table.columns:
            v = _xlsx_text(_safe_text(table.export_value(row, c)))
            values.append(v.isoformat() if isinstance(v, dt.date) else v)
        ws.append(values)
    for idx, c in enumerate(table.columns, start=1):
        if c.kind == "pct":
            for cell in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell[0].number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{table.name}.xlsx"'
    return response
