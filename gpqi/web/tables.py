"""Tables shown on pages and downloaded as CSV or XLSX: one definition serves both.

A page shows a table's main columns (what a reader needs first: they fit a 1280-px screen); its
`detail` columns fold into a second table under a "more figures" toggle. Downloads hold every
column and every row, after the download's title, date, scope, disclosure note and source
(`gpqi.web.downloads.About`)."""

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
from openpyxl import Workbook

from gpqi.web.downloads import About, file_name

COLUMN_KINDS = ("text", "int", "pct", "num", "date")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # one of COLUMN_KINDS; a row may override it under "<key>_kind"
    detail: bool = False  # shown on the page under "more figures", not in the main table


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
    link: str | None = None  # the column whose cell links to the row's `_href` (else the first)
    file_label: str = ""  # the download's name for this table (default: `name`)
    about: About | None = None  # set by the page before a download
    file_parts: list[str | None] = field(default_factory=list)  # e.g. [indicator id], set by the page
    # A finished table (`finish`) keeps the HTML of its rows: a table memoised for many
    # requests renders its rows once. Copies (dataclasses.replace) share it.
    html: dict[tuple, Markup] | None = field(default=None, repr=False, compare=False)

    def finish(self) -> Table:
        """No more changes to the rows: their HTML may be kept and reused."""
        self.html = {}
        return self

    @property
    def main_columns(self) -> list[Column]:
        return [c for c in self.columns if not c.detail]

    @property
    def detail_columns(self) -> list[Column]:
        """The first column (what each row is) and the detail columns, when there are any."""
        detail = [c for c in self.columns if c.detail]
        return [self.columns[0], *detail] if detail else []

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

    @staticmethod
    def kind(row: dict[str, Any], col: Column) -> str:
        return row.get(col.key + "_kind", col.kind)

    def cell(self, row: dict[str, Any], col: Column) -> str:
        value = row.get(col.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return row.get(col.key + "_note", "–")
        kind = self.kind(row, col)
        if kind == "pct":
            return f"{value * 100:.1f}%"
        if kind == "int":
            return f"{int(value):,}"
        if kind == "num":
            return f"{value:,.2f}"
        return str(value)

    def body_html(self, first_col_header: bool = True, columns: list[Column] | None = None) -> Markup:
        """The rows the page shows as NHS table rows (the `table` macro in parts.jinja wraps
        them), in `columns` (default: the main ones). Built here rather than in the template: a
        league table page has a thousand cells and a Jinja loop over them was a fifth of the
        page's time."""
        cols = self.main_columns if columns is None else columns
        key = (first_col_header, tuple(c.key for c in cols))
        if self.html is not None and key in self.html:
            return self.html[key]
        numeric = [c.kind in ("int", "pct", "num") for c in cols]
        link_key = self.link or cols[0].key
        out: list[str] = []
        for row in self.display_rows():
            href = row.get("_href")
            link = f'<a href="{escape(href)}">' if href else ""
            cells = []
            for i, (col, num) in enumerate(zip(cols, numeric, strict=True)):
                text = escape(self.cell(row, col))
                inner = f"{link}{text}</a>" if href and col.key in (link_key, "_link") else text
                if i == 0 and first_col_header:
                    cells.append(f'<th scope="row" class="nhsuk-table__header">{inner}</th>')
                else:
                    cls = "nhsuk-table__cell gpqi-num" if num else "nhsuk-table__cell"
                    cells.append(f'<td class="{cls}">{inner}</td>')
            out.append(f'<tr class="nhsuk-table__row {escape(row.get("_class", ""))}">{"".join(cells)}</tr>')
        if not out:
            out.append(
                f'<tr class="nhsuk-table__row"><td class="nhsuk-table__cell" colspan="{len(cols)}">'
                "No practices to show.</td></tr>"
            )
        html = Markup("\n".join(out))
        if self.html is not None:
            self.html[key] = html
        return html

    def export_value(self, row: dict[str, Any], col: Column) -> Any:
        value = row.get(col.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return row.get(col.key + "_note", "")
        kind = self.kind(row, col)
        if kind == "pct":
            return round(float(value), 6)
        if kind == "int":
            return int(value)
        return value

    def download_name(self, ext: str) -> str:
        """`pulse-check-65_league_2026-03-31.csv`: the page's parts, this table, the date."""
        day = self.about.reporting_date if self.about else None
        return file_name([*self.file_parts, self.file_label or self.name], day, ext)


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


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def to_csv(table: Table) -> HttpResponse:
    """The table's context lines (title, date, scope, disclosure, source), a blank line, then
    the header and every row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    if table.about is not None:
        for label, text in table.about.rows():
            writer.writerow([label, _safe_text(text)])
        writer.writerow([])
    writer.writerow([c.label for c in table.columns])
    for row in table.all_rows():
        writer.writerow([_safe_text(table.export_value(row, c)) for c in table.columns])
    response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    return _attachment(response, table.download_name("csv"))


def to_xlsx(table: Table) -> HttpResponse:
    """The table on its first sheet (a header row, then every row) and its context (title,
    date, scope, disclosure, source) on a second sheet, "About"."""
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "-", table.file_label or table.name)[:31]  # Excel forbids these
    ws.append([c.label for c in table.columns])
    for r, row in enumerate(table.all_rows(), start=2):
        values = []
        for c in table.columns:
            v = _xlsx_text(_safe_text(table.export_value(row, c)))
            values.append(v.isoformat() if isinstance(v, dt.date) else v)
        ws.append(values)
        for idx, c in enumerate(table.columns, start=1):
            if table.kind(row, c) == "pct":
                ws.cell(row=r, column=idx).number_format = "0.0%"
    if table.about is not None:
        about = wb.create_sheet("About")
        for label, text in table.about.rows():
            about.append([label, _safe_text(text)])
        about.column_dimensions["A"].width = 16
        about.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return _attachment(response, table.download_name("xlsx"))
