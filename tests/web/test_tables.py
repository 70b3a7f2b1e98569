"""gpqi.web.tables: the rows a page shows as HTML (escaped, linked, numeric cells marked) and the
downloads (every row; spreadsheet formulas neutralised)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from gpqi.web.tables import Column, Table, to_csv, to_xlsx


def _table(rows: list[dict]) -> Table:
    return Table(
        "t",
        "Caption",
        [Column("label", "Practice"), Column("value", "Value", "pct"), Column("n", "Count", "int")],
        rows,
        display_limit=2,
    )


def test_body_html_escapes_links_and_marks_numbers():
    t = _table(
        [
            {"label": "<script>x</script>", "value": 0.5, "n": 1200, "_href": "/p/?a=1&b=2"},
            {"label": "Oak Surgery", "value": None, "n": None, "value_note": "hidden", "_class": "gpqi-own"},
        ]
    )
    html = str(t.body_html())
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<th scope="row" class="nhsuk-table__header"><a href="/p/?a=1&amp;b=2">&lt;script' in html
    assert '<td class="nhsuk-table__cell gpqi-num">50.0%</td>' in html
    assert '<td class="nhsuk-table__cell gpqi-num">1,200</td>' in html
    assert (
        '<tr class="nhsuk-table__row gpqi-own"><th scope="row" class="nhsuk-table__header">Oak Surgery</th>'
        in html
    )
    assert ">hidden</td>" in html and ">–</td>" in html
    assert len(re.findall("<tr ", html)) == 2


def test_body_html_shows_the_limit_plus_own_rows_and_says_when_empty():
    rows = [{"label": f"P{i}", "value": 0.1, "n": i} for i in range(5)]
    rows[4]["_class"] = "gpqi-own"
    html = str(_table(rows).body_html())
    assert [m for m in re.findall(r">(P\d)<", html)] == ["P0", "P1", "P4"]
    assert "No practices to show." in str(_table([]).body_html())
    plain = str(_table(rows[:1]).body_html(first_col_header=False))
    assert '<td class="nhsuk-table__cell">P0</td>' in plain and "<th" not in plain


def test_csv_holds_every_row_and_neutralises_formulas():
    rows = [{"label": "=HYPERLINK(1)", "value": 0.25, "n": 3}] + [
        {"label": f"P{i}", "value": 0.1, "n": i} for i in range(4)
    ]
    data = list(csv.reader(io.StringIO(to_csv(_table(rows)).content.decode())))
    assert data[0] == ["Practice", "Value", "Count"] and len(data) == 6
    assert data[1] == ["'=HYPERLINK(1)", "0.25", "3"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_every_formula_start_is_neutralised_in_csv_and_xlsx(start):
    rows = [{"label": f"{start}=1+1ANDERSON", "value": 0.5, "n": 8}]
    csv_cell = list(csv.reader(io.StringIO(to_csv(_table(rows)).content.decode())))[1][0]
    assert csv_cell == f"'{start}=1+1ANDERSON"
    book = load_workbook(io.BytesIO(to_xlsx(_table(rows)).content))
    # (XML reads a carriage return back as a line feed; the quote is what matters)
    assert book.active["A2"].value == f"'{start}=1+1ANDERSON".replace("\r", "\n")
