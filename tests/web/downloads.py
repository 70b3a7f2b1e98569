"""Reading a CSV download as a user's spreadsheet would: the context lines at the top (title,
reporting date, scope, disclosure, source), a blank line, then the table."""

from __future__ import annotations

import csv
import io

ABOUT_LABELS = ["Title", "Reporting date", "Scope", "Disclosure", "Source"]


def split_csv(content: bytes | str) -> tuple[dict[str, str], list[list[str]]]:
    """(context lines by label, the table's rows with its header first). A CSV without context
    lines is only a table."""
    text = content.decode() if isinstance(content, bytes) else content
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0][:1] == ["Title"]:
        blank = rows.index([])
        about = {r[0]: r[1] for r in rows[:blank]}
        return about, rows[blank + 1 :]
    return {}, rows


def csv_records(content: bytes | str) -> list[dict[str, str]]:
    """The table's rows as dicts by column label."""
    _, rows = split_csv(content)
    header, body = rows[0], rows[1:]
    return [dict(zip(header, r, strict=True)) for r in body]


def csv_about(content: bytes | str) -> dict[str, str]:
    about, _ = split_csv(content)
    assert list(about) == ABOUT_LABELS, about
    return about
