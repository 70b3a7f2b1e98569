"""Turn a CSV file into a Parquet file of text columns plus a row number, for validation.

Every column is read as text (codes must never pass through a number; a CSV reader that guesses
types turns "0123" into 123 and long SNOMED CT codes into floats). Rows with the wrong number of
fields are kept aside as malformed rather than failing the file.

Rows are numbered from 1 for the first data row (the header is not counted). A malformed row's
number comes from its line in the file, so it is exact unless an earlier value spans lines.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gpqi.ingest.errors import IngestError
from gpqi.ingest.extract import SourceFile

ROW = "_row"
# The reader works in blocks of this size and a row cannot span two, so no row may be longer.
MAX_ROW_BYTES = 16 << 20
HEADER_PROBE = 1 << 16  # a header is far shorter than this


@dataclass(frozen=True)
class MalformedRow:
    row: int  # data row number (1-based, header not counted); -1 if the reader could not tell
    text: str
    fields: int
    expected: int


def stage_csv(source: SourceFile, out: Path) -> list[MalformedRow]:
    """Write `source` (a CSV) to `out` as Parquet: its columns as text, and `_row`."""
    names = list(source.source_types)
    malformed: list[MalformedRow] = []
    bad_rows: list[int] = []  # their data-row numbers, in file order

    def on_invalid(row: pacsv.InvalidRow) -> str:
        number = row.number - 1 if row.number is not None else -1
        malformed.append(MalformedRow(number, row.text, row.actual_columns, row.expected_columns))
        if number > 0:
            bad_rows.append(number)
        return "skip"

    schema = pa.schema([*(pa.field(n, pa.string()) for n in names), pa.field(ROW, pa.int64())])
    if _header_only(source.path):
        # Arrow refuses a file that ends inside its header line; there is simply nothing to read.
        pq.write_table(schema.empty_table(), out, compression="zstd")
        return malformed
    try:
        reader = pacsv.open_csv(
            source.path,
            # The header was checked already; naming the columns here ignores a BOM or stray spaces.
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=MAX_ROW_BYTES, column_names=names, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],  # only empty is missing: "NA" or "null" could be someone's name
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        good = 0
        with pq.ParquetWriter(out, schema, compression="zstd") as writer:
            for batch in reader:
                n = batch.num_rows
                ordinal = np.arange(good + 1, good + n + 1, dtype=np.int64)
                # Each malformed row before a good one shifts its number by one: with malformed rows
                # at m_1 < m_2 < ..., m_i has m_i - i good rows before it.
                shifted = np.asarray(bad_rows, dtype=np.int64) - np.arange(1, len(bad_rows) + 1)
                numbers = ordinal + np.searchsorted(shifted, ordinal, side="left")
                columns = [batch.column(name) for name in names]
                writer.write_batch(pa.record_batch([*columns, pa.array(numbers)], schema=schema))
                good += n
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):
            raise IngestError(_oversized(source.path, names)) from None
        # Arrow's message may quote the offending text; keep only its leading description.
        kind = str(exc).split(":")[0].strip() or type(exc).__name__
        raise IngestError(f"{source.path}: could not be read as CSV ({kind})") from None
    return malformed


def _header_only(path: Path) -> bool:
    """True if the file holds a header row and nothing else (with or without a final newline)."""
    with path.open("rb") as fh:
        head = fh.read(HEADER_PROBE + 1)
    return len(head) <= HEADER_PROBE and b"\n" not in head.rstrip(b"\r\n")


def _oversized(path: Path, names: list[str]) -> str:
    """The message for a row longer than the reader's block: find the longest row and its widest
    value (only on this failure path, so the slow reader costs nothing on good files)."""
    csv.field_size_limit(sys.maxsize)
    longest, number, field, width = -1, 0, "", 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for n, row in enumerate(reader, start=1):
            size = sum(len(v) for v in row)
            if size > longest and row:
                widest = max(range(len(row)), key=lambda i: len(row[i]))
                longest, number, width = size, n, len(row[widest])
                field = names[widest] if widest < len(names) else f"field {widest + 1}"
    return (
        f"{path}: row {number}, {field}: a value of {width:,} characters; a row may be at most "
        f"{MAX_ROW_BYTES >> 20} MB (no clinical record is this long: check the export)"
    )
