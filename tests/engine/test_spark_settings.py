"""The Spark session gpqi builds leaves a cluster's own shuffle partitions alone (a national
run sets them in spark-defaults.conf), and uses 8 when nothing else says."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SHOW = (
    "from gpqi.engine.backends import spark_session\n"
    "print('partitions', spark_session('local[1]').conf.get('spark.sql.shuffle.partitions'))\n"
)


def _partitions(submit_args: str | None) -> str:
    # A fresh process each: Spark allows one session per process, built once.
    env = {k: v for k, v in os.environ.items() if k != "PYSPARK_SUBMIT_ARGS"}
    if submit_args:
        env["PYSPARK_SUBMIT_ARGS"] = submit_args
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=600, check=True
    )
    return next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("partitions "))


@pytest.mark.slow
@pytest.mark.spark
def test_shuffle_partitions_come_from_the_cluster_when_it_sets_them():
    assert _partitions("--conf spark.sql.shuffle.partitions=24 pyspark-shell") == "24"
    assert _partitions(None) == "8"
