"""Validate one file of one table in DuckDB, write its good rows and quarantine the rest.

The source relation has the CDM columns (as stored) and `_row`, the row number in the file.
Rows are typed and tagged with a bitmask of broken rules (`rules.tag_sql`), duplicates are
found among the rows that passed, good rows go to the snapshot file and the others to the
quarantine file with the file, row, rule, field and value of every failure and the row itself
as text. Nothing is read row by row in Python.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from gpqi.cdm import COLUMNS, SCHEMAS
from gpqi.ingest.csvstage import MalformedRow
from gpqi.ingest.parquet_out import write_query, write_table
from gpqi.ingest.rules import (
    KEYS,
    RULES,
    Context,
    failures_sql,
    lit,
    q,
    quarantine_schema,
    reason_sql,
    table_rules,
    tag_sql,
)


@dataclass
class Counts:
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    # "rule" or "rule:field" of each quarantined row's first failure -> rows
    rules: dict[str, int] = field(default_factory=dict)

    def add(self, other: Counts) -> None:
        self.read += other.read
        self.loaded += other.loaded
        self.quarantined += other.quarantined
        merged = Counter(self.rules)
        merged.update(other.rules)
        self.rules = dict(sorted(merged.items()))

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "rules": self.rules,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Counts:
        return cls(data["read"], data["loaded"], data["quarantined"], dict(data.get("rules", {})))


def parquet_source(path: Path) -> str:
    """A relation over a Parquet file with `_row` numbering its rows from 1."""
    return (
        f"(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row "
        f"FROM read_parquet({lit(str(path))}, file_row_number = true))"
    )


def staged_source(path: Path) -> str:
    """A relation over a staged CSV (which already carries `_row`)."""
    return f"read_parquet({lit(str(path))})"


def _duplicates_sql(table: str) -> str:
    cols = [q(c.name) for c in COLUMNS[table]]
    keys = [q(k) for k in KEYS.get(table, ())] or cols
    everything = ", ".join(cols)
    key_list = ", ".join(keys)
    key_text = " || ', ' || ".join(f"coalesce(CAST({k} AS VARCHAR), '')" for k in keys)
    key_field = lit(", ".join(KEYS[table])) if table in KEYS else "CAST(NULL AS VARCHAR)"
    return f"""
        WITH ok AS (SELECT * FROM _tagged WHERE _mask = 0),
        repeated AS (SELECT hash({key_list}) AS h FROM ok GROUP BY 1 HAVING count(*) > 1),
        candidates AS (SELECT * FROM ok WHERE hash({key_list}) IN (SELECT h FROM repeated)),
        counted AS (
            SELECT _row, {key_list},
                count(*) OVER (PARTITION BY {key_list}) AS n_key,
                count(*) OVER (PARTITION BY {everything}) AS n_same,
                min(_row) OVER (PARTITION BY {everything}) AS first_row,
                {key_text} AS key_text
            FROM candidates
        ),
        judged AS (SELECT *, max(n_key - n_same) OVER (PARTITION BY {key_list}) AS differs FROM counted)
        SELECT _row,
            CASE WHEN differs > 0 THEN 'duplicate_key' ELSE 'duplicate_row' END AS rule,
            CASE WHEN differs > 0 THEN {key_field} END AS field,
            CASE WHEN differs > 0 THEN key_text ELSE 'copy of row ' || first_row END AS detail
        FROM judged
        WHERE n_key > 1 AND (differs > 0 OR _row <> first_row)
    """


def _malformed_table(table: str, relpath: str, malformed: list[MalformedRow]) -> pa.Table:
    schema = quarantine_schema(table)
    n = len(malformed)
    reasons = [f"the row has {m.fields} fields; the header has {m.expected}" for m in malformed]
    values = [m.text for m in malformed]
    data = {
        "file": [relpath] * n,
        "row": [m.row for m in malformed],
        "rule": ["malformed_row"] * n,
        "field": [None] * n,
        "value": values,
        "reason": reasons,
        "failures": [[{"rule": "malformed_row", "field": None, "value": v}] for v in values],
    }
    for c in COLUMNS[table]:
        data[c.name] = [None] * n
    return pa.table(data, schema=schema)


def validate_file(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    source: str,
    source_types: dict[str, str],
    relpath: str,
    ctx: Context,
    out_path: Path,
    quarantine_path: Path,
    keep_as: str | None = None,
    malformed: list[MalformedRow] | None = None,
) -> Counts:
    """Validate `source` as `table`: write good rows to `out_path`, the rest to `quarantine_path`.

    With `keep_as`, the good rows also stay in a DuckDB table of that name (later rules need
    them: a practice's patients and registrations). The quarantine file is written only if
    some row failed.
    """
    rules = table_rules(table, ctx)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _tagged AS {tag_sql(table, source, source_types, ctx, rules)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dups AS {_duplicates_sql(table)}")
    total, failed = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE _mask <> 0) FROM _tagged"
    ).fetchall()[0]
    (duplicates,) = con.execute("SELECT count(*) FROM _dups").fetchall()[0]

    cols = ", ".join(f"t.{q(c.name)}" for c in COLUMNS[table])
    good = f"SELECT {cols} FROM _tagged AS t WHERE t._mask = 0"
    if duplicates:
        good += " AND t._row NOT IN (SELECT _row FROM _dups)"
    if keep_as:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {keep_as} AS {good}")
        good = f"SELECT * FROM {keep_as}"
    loaded = write_query(con, good, SCHEMAS[table], out_path)

    malformed = malformed or []
    counts = Counts(
        read=total + len(malformed), loaded=loaded, quarantined=failed + duplicates + len(malformed)
    )
    assert counts.read == counts.loaded + counts.quarantined
    if counts.quarantined:
        quarantine_path.parent.mkdir(parents=True, exist_ok=True)
        counts.rules = _write_quarantine(
            con, table, source, relpath, rules, quarantine_path, malformed, failed, duplicates
        )
    con.execute("DROP TABLE IF EXISTS _tagged; DROP TABLE IF EXISTS _dups")
    return counts


def _write_quarantine(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: str,
    relpath: str,
    rules: list,
    path: Path,
    malformed: list[MalformedRow],
    failed: int,
    duplicates: int,
) -> dict[str, int]:
    raw = ", ".join(f"CAST(s.{q(c.name)} AS VARCHAR) AS {q(c.name)}" for c in COLUMNS[table])
    parts = []
    if failed:
        parts.append(
            f"SELECT t._row AS row, {failures_sql(rules)} AS failures, {raw} "
            f"FROM _tagged AS t JOIN {source} AS s ON s._row = t._row WHERE t._mask <> 0"
        )
    if duplicates:
        parts.append(
            "SELECT d._row AS row, [{'rule': d.rule, 'field': d.field, 'value': d.detail}] AS failures, "
            f"{raw} FROM _dups AS d JOIN {source} AS s ON s._row = d._row"
        )
    by_rule: Counter[str] = Counter()
    if parts:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _q AS {' UNION ALL '.join(parts)}")
        reason = reason_sql(rules, "failures[1]")
        reason = (
            f"CASE failures[1].rule WHEN 'duplicate_row' THEN {lit(RULES['duplicate_row'])} "
            f"WHEN 'duplicate_key' THEN {lit(RULES['duplicate_key'])} ELSE {reason} END"
        )
        names = ", ".join(q(c.name) for c in COLUMNS[table])
        sql = (
            f"SELECT {lit(relpath)} AS file, row, failures[1].rule AS rule, failures[1].field AS field, "
            f"failures[1].value AS value, {reason} AS reason, failures, {names} FROM _q ORDER BY row"
        )
        for rule, fld, n in con.execute(
            "SELECT failures[1].rule, failures[1].field, count(*) FROM _q GROUP BY ALL"
        ).fetchall():
            by_rule[f"{rule}:{fld}" if fld else rule] += n
        write_query(con, sql, quarantine_schema(table), path)
        con.execute("DROP TABLE _q")
    if malformed:
        extra = _malformed_table(table, relpath, malformed)
        if parts:
            import pyarrow.parquet as pq

            extra = pa.concat_tables([pq.read_table(path), extra])
        write_table(extra, path)
        by_rule["malformed_row"] += len(malformed)
    return dict(sorted(by_rule.items()))
