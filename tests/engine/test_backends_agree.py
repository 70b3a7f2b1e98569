"""The whole runner on PySpark gives the same results as on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest

from gpqi.engine import run
from gpqi.engine.backends import spark_session
from tests.engine.test_runner import _tables
from tests.spec.builder import write_snapshot


@pytest.mark.spark
def test_pyspark_run_matches_duckdb(tmp_path):
    ids = ["dm-bp", "pertussis-pregnancy", "dna-within-48h"]
    duck_ws = write_snapshot(tmp_path / "duck", _tables())
    spark_ws = write_snapshot(tmp_path / "spark", _tables())
    spark = spark_session("local[2]", shuffle_partitions=2)
    spark.conf.set("spark.sql.codegen.wholeStage", "false")
    duck = run(duck_ws, ids, dates="monthly:2023-12..2024-03", backend="duckdb").results
    sparked = run(
        spark_ws, ids, dates="monthly:2023-12..2024-03", backend="pyspark", spark_session=spark
    ).results
    assert duck["denominator"].sum() > 0
    keys = ["indicator_id", "org_type", "org_code", "reporting_date"]
    pd.testing.assert_frame_equal(
        duck.sort_values(keys).reset_index(drop=True), sparked.sort_values(keys).reset_index(drop=True)
    )
    duck_list = pd.read_parquet(duck_ws.worklist_path("P1", "dm-bp"))
    spark_list = pd.read_parquet(spark_ws.worklist_path("P1", "dm-bp"))
    pd.testing.assert_frame_equal(duck_list, spark_list)
