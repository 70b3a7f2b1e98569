"""Reading the per-table CSV files of EMIS and SystmOne extracts: header checked, text only.

A file's header must be one of the layouts published for its table (any version); otherwise the
file is refused, naming the columns that differ from the nearest layout. Every value is read as
text (codes and GUIDs must never pass through a number). A row with the wrong number of fields
(a truncated file, a stray delimiter) is kept aside with its line for the quarantine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from gpqi.ingest.errors import IngestError

ROW = "_row"


@dataclass(frozen=True)
class BadRow:
    row: int
    text: str
    fields: int
    expected: int


def header(path: Path, encoding: str) -> list[str]:
    try:
        with path.open(encoding=encoding, newline="") as fh:
            first = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise IngestError(f"{path}: not {encoding} text") from None
    except (OSError, csv.Error) as exc:
        raise IngestError(f"{path}: could not be read as CSV ({type(exc).__name__})") from None
    if not first:
        raise IngestError(f"{path}: empty file (the extract's CSV files start with a header row)")
    return [h.strip().lstrip("\ufeff") for h in first]


def check_layout(path: Path, names: list[str], layouts: tuple[tuple[str, ...], ...], table: str) -> None:
    if tuple(names) in layouts:
        return
    nearest = min(layouts, key=lambda layout: len(set(layout) ^ set(names)))
    missing = [c for c in nearest if c not in names]
    extra = [c for c in names if c not in nearest]
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected column(s) {', '.join(extra)}")
    if not parts:
        parts.append("the columns are in another order")
    raise IngestError(
        f"{path}: the header is not a published {table} layout: {'; '.join(parts)} "
        f"(the nearest layout is: {', '.join(nearest)})"
    )


def read(
    path: Path, table: str, layouts: tuple[tuple[str, ...], ...], encoding: str = "utf-8"
) -> tuple[pa.Table, list[BadRow]]:
    """The file's rows as text columns plus `_row` (first data row 1), and its malformed rows."""
    names = header(path, "utf-8-sig" if encoding == "utf-8" else encoding)
    check_layout(path, names, layouts, table)
    bad: list[BadRow] = []
    skipped: list[int] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number - 1 if row.number is not None else -1
        bad.append(BadRow(number, row.text, row.actual_columns, row.expected_columns))
        skipped.append(number)
        return "skip"

    try:
        data = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, encoding="utf8" if encoding == "utf-8" else encoding
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        kind = str(exc).split(":")[0].strip() or type(exc).__name__
        raise IngestError(f"{path}: could not be read as CSV ({kind})") from None
    if any(b.row < 1 for b in bad):
        # The fast reader cannot always tell where a bad row is (values may span lines): find them again.
        bad = _locate(path, encoding, len(names))
        skipped = [b.row for b in bad]
    # Row numbers of the good rows: their position, shifted past the malformed rows before them.
    numbers = []
    bad_set = sorted(n for n in skipped if n > 0)
    n, i = 0, 0
    for _ in range(data.num_rows):
        n += 1
        while i < len(bad_set) and bad_set[i] == n:
            n += 1
            i += 1
        numbers.append(n)
    return data.append_column(ROW, pa.array(numbers, pa.int64())), bad


def _locate(path: Path, encoding: str, expected: int) -> list[BadRow]:
    out = []
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for number, fields in enumerate(reader, start=1):
            if len(fields) != expected:
                out.append(BadRow(number, ",".join(fields), len(fields), expected))
    return out
