"""Find the files of an extract and check each one's columns before any row is read.

Layout (written by `gpqi synth`, or by an adapter for a clinical system):

    SOURCE/manifest.json                              optional, recorded in the snapshot
    SOURCE/reference/organisations.parquet|.csv       CDM organisations (optional in a partial extract)
    SOURCE/reference/practices.parquet|.csv           CDM practices (optional in a partial extract)
    SOURCE/practices/<practice_code>/<table>.parquet|.csv   one folder per practice, all six tables

A file whose columns are missing, unexpected or of a type that cannot hold the CDM value is a
bad file: the whole ingest stops with a message naming it (`IngestError`).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from gpqi.cdm import COLUMNS, PATIENT_TABLES
from gpqi.ingest.errors import IngestError

REFERENCE_TABLES: tuple[str, ...] = ("organisations", "practices")
PRACTICE_TABLES: tuple[str, ...] = ("patients", *PATIENT_TABLES)
FORMATS: dict[str, Literal["parquet", "csv"]] = {".parquet": "parquet", ".csv": "csv"}
# Practice codes name files and folders in the snapshot, so they must be safe file names.
PRACTICE_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"
_PRACTICE_CODE = re.compile(PRACTICE_CODE_PATTERN)

# Which source column types can hold each CDM type (DuckDB type names, without parameters).
# Text always can (it is cast row by row, and a value that does not parse is quarantined).
# Codes and other identifiers must arrive as text: a number has already lost leading zeros or
# (as a float) digits, which no later step can restore.
_INTEGERS = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}
_ACCEPTED: dict[str, set[str]] = {
    "string": {"VARCHAR"},
    "int8": _INTEGERS | {"VARCHAR"},
    "int64": _INTEGERS | {"VARCHAR"},
    "double": _INTEGERS | {"FLOAT", "DOUBLE", "DECIMAL", "VARCHAR"},
    "date32[day]": _TIMESTAMPS | {"DATE", "VARCHAR"},
    "timestamp[s]": _TIMESTAMPS | {"DATE", "VARCHAR"},
    "bool": {"BOOLEAN", "VARCHAR"},
}


@dataclass(frozen=True)
class SourceFile:
    table: str
    path: Path
    format: Literal["parquet", "csv"]
    practice: str | None  # None for the reference tables
    relpath: str  # relative to the extract root: what quarantine rows and reports show
    # DuckDB type of each column as stored (all VARCHAR for CSV), filled in by `check_columns`.
    source_types: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Extract:
    root: Path
    reference: dict[str, SourceFile]
    practices: dict[str, dict[str, SourceFile]]
    manifest: dict | None

    def files(self) -> list[SourceFile]:
        out = list(self.reference.values())
        for tables in self.practices.values():
            out.extend(tables.values())
        return out


def _table_file(folder: Path, table: str, root: Path, practice: str | None) -> SourceFile | None:
    found = [folder / f"{table}{ext}" for ext in FORMATS if (folder / f"{table}{ext}").exists()]
    if len(found) > 1:
        raise IngestError(f"{folder}: both {found[0].name} and {found[1].name} exist; keep one")
    if not found:
        return None
    path = found[0]
    if not path.is_file():
        raise IngestError(f"{path}: not a file")
    return SourceFile(table, path, FORMATS[path.suffix], practice, path.relative_to(root).as_posix())


def _unexpected_files(folder: Path, expected: tuple[str, ...]) -> None:
    for path in sorted(folder.iterdir()):
        if path.suffix in FORMATS and path.stem not in expected:
            raise IngestError(
                f"{path}: unexpected table {path.stem!r} (expected one of: {', '.join(expected)})"
            )


def discover(root: Path) -> Extract:
    """The files of the extract at `root`, without reading any rows."""
    root = Path(root)
    if not root.is_dir():
        raise IngestError(f"{root}: no such folder (give the folder holding reference/ and practices/)")
    manifest = None
    if (root / "manifest.json").exists():
        try:
            manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{root / 'manifest.json'}: not valid JSON ({type(exc).__name__})") from None

    reference: dict[str, SourceFile] = {}
    if (root / "reference").is_dir():
        _unexpected_files(root / "reference", REFERENCE_TABLES)
        for table in REFERENCE_TABLES:
            found = _table_file(root / "reference", table, root, None)
            if found:
                reference[table] = found

    practices: dict[str, dict[str, SourceFile]] = {}
    if (root / "practices").is_dir():
        for folder in sorted(p for p in (root / "practices").iterdir() if p.is_dir()):
            code = folder.name
            if not _PRACTICE_CODE.fullmatch(code):
                raise IngestError(
                    f"{folder}: {code!r} is not a usable practice code (letters, digits, '-' and '_', at most 32)"
                )
            _unexpected_files(folder, PRACTICE_TABLES)
            tables: dict[str, SourceFile] = {}
            missing = []
            for table in PRACTICE_TABLES:
                found = _table_file(folder, table, root, code)
                if found is None:
                    missing.append(table)
                else:
                    tables[table] = found
            if missing:
                raise IngestError(
                    f"{folder}: missing {', '.join(m + '.parquet' for m in missing)} "
                    "(a practice's extract must hold all six tables; an empty table is a file with no rows)"
                )
            practices[code] = tables

    if not reference and not practices:
        raise IngestError(
            f"{root}: no extract found (expected reference/*.parquet and practices/<code>/*.parquet)"
        )
    return Extract(root, reference, practices, manifest)


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise IngestError(f"{path}: not UTF-8 text (save the CSV as UTF-8)") from None
    except (OSError, csv.Error) as exc:
        raise IngestError(f"{path}: could not be read as CSV ({type(exc).__name__})") from None
    if not header:
        raise IngestError(f"{path}: empty file (a CSV needs a header row naming the columns)")
    return [h.strip() for h in header]


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        # The DuckDB message can quote file contents; name only the kind of failure.
        raise IngestError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    return [(r[0], r[1]) for r in rows]


def _base_type(duckdb_type: str) -> str:
    return duckdb_type.split("(")[0].strip()


def check_columns(con: duckdb.DuckDBPyConnection, source: SourceFile) -> SourceFile:
    """Check the file's columns against the CDM table; return it with its column types."""
    expected = [c.name for c in COLUMNS[source.table]]
    if source.format == "csv":
        names = _csv_header(source.path)
        types = dict.fromkeys(names, "VARCHAR")
    else:
        cols = _parquet_columns(con, source.path)
        names = [n for n, _ in cols]
        types = dict(cols)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise IngestError(f"{source.path}: column(s) {', '.join(dupes)} appear more than once")
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        raise IngestError(
            f"{source.path}: {'; '.join(parts)} (a {source.table} file has exactly: {', '.join(expected)})"
        )
    for column in COLUMNS[source.table]:
        stored = _base_type(types[column.name])
        if stored == '"NULL"' or stored == "NULL":  # a column written with no values at all
            continue
        if stored not in _ACCEPTED[str(column.type)]:
            hint = " (codes and identifiers must be stored as text)" if str(column.type) == "string" else ""
            raise IngestError(
                f"{source.path}: column {column.name} is stored as {types[column.name]}, "
                f"which cannot hold {column.type}{hint}"
            )
    return SourceFile(source.table, source.path, source.format, source.practice, source.relpath, types)
