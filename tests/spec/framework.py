"""The spec-test framework: each case is input rows, a criterion and the expected members.

A case reads like a paragraph of docs/indicator-language.md: a rule, a few rows as pipe
tables, the criterion in the YAML language, and which patients (or appointments) are in the
numerator on each reporting date. Codes are written `@slug` (the first code of that bundled
codelist) or `@slug#2` (its second code).

All cases of a test session are evaluated together, once per backend, with patient and
appointment ids offset per case (`evaluate_cases`), so Spark runs one job instead of one per
case. Each test then checks its own case against the expectation on every backend.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from gpqi.codelists import load
from gpqi.engine.backends import Backend, spark_session
from gpqi.engine.membership import evaluate
from gpqi.indicators import Indicator, parse
from tests.spec.builder import default_tables, table, to_arrow

OFFSET = 1000
ALL_CASES: list[Case] = []

_HEADER = """\
id: {id}
title: spec case {id}
domain: {domain}
unit: {unit}
higher_is_better: true
reference: tests/spec
description: a spec case for the engine's semantics
authored_by: tests
"""


@dataclass
class Case:
    """One rule, pinned: rows in, members out. `expect` maps a reporting date to the ids in
    the numerator; `expect_denominator` (optional) the same for the denominator."""

    chapter: str
    name: str
    rule: str
    tables: dict[str, str]
    numerator: str
    expect: dict[str, list[int]]
    denominator: str = "all:\n  - registered: {}"
    expect_denominator: dict[str, list[int]] | None = None
    unit: str = "patient"
    period: str | None = None
    exceptions: str | None = None
    payment_exceptions: str | None = None
    expect_needs_care: dict[str, list[int]] | None = None
    index: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        self.index = len(ALL_CASES)
        ALL_CASES.append(self)

    @property
    def id(self) -> str:
        return f"case-{self.index}"

    @property
    def dates(self) -> list[dt.date]:
        keys = set(self.expect) | set(self.expect_denominator or {}) | set(self.expect_needs_care or {})
        return sorted(dt.date.fromisoformat(d) for d in keys)

    def indicator(self) -> Indicator:
        text = _HEADER.format(
            id=self.id,
            domain="operational" if self.unit == "appointment" else "cardiovascular",
            unit=self.unit,
        )
        if self.period:
            text += f"period: {self.period}\n"
        text += "denominator:\n" + _indent(self.denominator) + "numerator:\n" + _indent(self.numerator)
        for name in ("exceptions", "payment_exceptions"):
            if getattr(self, name):
                text += f"{name}:\n" + _indent(getattr(self, name))
        return parse(text, source=f"spec case {self.name!r}")

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {name: [_codes(row) for row in table(text)] for name, text in self.tables.items()}


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.strip("\n").splitlines())


_CODE = re.compile(r"^@([a-z0-9-]+)(?:#(\d+))?$")


def _codes(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    code = out.get("code")
    if isinstance(code, str):
        match = _CODE.match(code)
        if match:
            out["code"] = load(match.group(1)).codes[int(match.group(2) or 1) - 1]
    return out


def combined_tables(cases: list[Case]) -> dict[str, pa.Table]:
    """Every case's rows in one set of CDM tables, ids offset by (case index + 1) * OFFSET."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        shift = (case.index + 1) * OFFSET
        for name, rows in default_tables(case.rows()).items():
            if name in ("practices", "organisations"):
                continue
            for number, row in enumerate(rows):
                row = dict(row)
                if "patient_id" in row and row["patient_id"] is not None:
                    row["patient_id"] = int(row["patient_id"]) + shift
                if name == "appointments":
                    row["appointment_id"] = int(row.get("appointment_id") or number + 1) + shift
                merged.setdefault(name, []).append(row)
    base = default_tables({})
    merged["practices"] = base["practices"]
    merged["organisations"] = base["organisations"]
    return {name: to_arrow(name, merged.get(name, [])) for name in base}


def evaluate_cases(backend: Backend, cases: list[Case]) -> pd.DataFrame:
    """Membership rows for all cases: indicator_id (= case id), unit_id (unshifted),
    practice_code, reporting_date, part."""
    arrow = combined_tables(cases)
    tables = {name: backend.upload(data) for name, data in arrow.items()}
    tables = {name: _typed(tables[name], name) for name in tables}
    dates = sorted({d for case in cases for d in case.dates})
    ranges = {case.id: ((case.index + 1) * OFFSET, (case.index + 2) * OFFSET - 1) for case in cases}
    frame = evaluate(backend, tables, [case.indicator() for case in cases], dates, patient_ranges=ranges)
    frame["reporting_date"] = pd.to_datetime(frame["reporting_date"]).dt.date
    index = frame["indicator_id"].str.removeprefix("case-").astype(int)
    frame["unit_id"] = frame["unit_id"].astype("int64") - (index + 1) * OFFSET
    # Each case's criteria run over everyone's rows; keep only the case's own patients.
    return frame[(frame["unit_id"] > 0) & (frame["unit_id"] < OFFSET)]


def _typed(table: Any, name: str) -> Any:
    from gpqi.engine.backends import USED_COLUMNS

    return table.select(*USED_COLUMNS[name])


def members(frame: pd.DataFrame, case: Case, part: str, day: dt.date) -> list[int]:
    chosen = frame[
        (frame["indicator_id"] == case.id) & (frame["part"] == part) & (frame["reporting_date"] == day)
    ]
    return sorted(int(v) for v in chosen["unit_id"])


def spec_spark_session() -> Any:
    """The Spark session spec tests run on: local mode (`local[2]`) unless
    GPQI_TEST_SPARK_MASTER names a cluster, e.g. scripts/spark-cluster.sh's
    (`make test-spark-cluster`)."""
    master = os.environ.get("GPQI_TEST_SPARK_MASTER", "local[2]")
    if master.startswith("spark://"):
        # Executors run this interpreter (gpqi's .venv) and reach the driver locally.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = spark_session(master, shuffle_partitions=2)
    if master.startswith("spark://"):  # the process's one session must be the cluster's
        assert spark.sparkContext.master == master, f"a Spark session on {spark.sparkContext.master} is open"
    # Tiny tables: compiling generated code for every stage costs more than it saves.
    spark.conf.set("spark.sql.codegen.wholeStage", "false")
    return spark
