"""Spec-suite fixtures: one backend per kind for the whole session, and every collected case
evaluated once per backend.

PySpark runs in local mode (`local[2]`) unless GPQI_TEST_SPARK_MASTER names a cluster, e.g.
the standalone cluster of scripts/spark-cluster.sh (`make test-spark-cluster`)."""

from __future__ import annotations

import pandas as pd
import pytest

from gpqi.engine.backends import connect
from tests.spec.framework import ALL_CASES, evaluate_cases, spec_spark_session

SPARK_BATCH = 16
BACKENDS = [
    pytest.param("duckdb", id="duckdb"),
    pytest.param("pyspark", id="pyspark", marks=pytest.mark.spark),
]


@pytest.fixture(scope="session")
def spec_backend_factory():
    opened = {}

    def get(name: str):
        if name not in opened:
            if name == "pyspark":
                opened[name] = connect("pyspark", spark_session_=spec_spark_session())
            else:
                opened[name] = connect("duckdb")
        return opened[name]

    yield get
    for backend in opened.values():
        if backend.name == "duckdb":
            backend.close()


@pytest.fixture(scope="session")
def spec_results(spec_backend_factory):
    """backend name -> membership of every collected case (computed on first use)."""
    results = {}
    failures: dict[str, str] = {}  # a failed evaluation is not repeated by every later case

    def get(name: str):
        if name in failures:
            pytest.fail(f"evaluating every {name} case failed in an earlier test: {failures[name]}")
        if name not in results:
            cases = list(ALL_CASES)
            # One union of every case is too deep for the PySpark compiler (RecursionError);
            # batches keep each query shallow and still take a handful of Spark jobs.
            size = SPARK_BATCH if name == "pyspark" else len(cases)
            try:
                backend = spec_backend_factory(name)
                batches = [evaluate_cases(backend, cases[i : i + size]) for i in range(0, len(cases), size)]
            except Exception as exc:
                failures[name] = repr(exc)
                raise
            results[name] = pd.concat(batches, ignore_index=True)
        return results[name]

    return get


@pytest.fixture(params=BACKENDS)
def backend_name(request) -> str:
    return request.param
