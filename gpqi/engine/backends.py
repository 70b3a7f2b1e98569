"""Query backends: an Ibis connection to DuckDB (embedded, the default) or PySpark, and the
CDM tables of a snapshot opened on it.

Both run the same Ibis expressions from gpqi.indicators.compiler. Spark settings come from
the workspace configuration (`[engine] spark_master`); the session uses UTC so that hour
differences between timestamps are not shifted by clock changes.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from gpqi.cdm.schema import SCHEMAS

BACKENDS = ("duckdb", "pyspark")

# Columns the engine reads from each table (the others are never loaded).
USED_COLUMNS = {
    "organisations": ("org_code", "name", "type", "parent_code"),
    "practices": ("practice_code", "name", "network_code", "sub_icb_code"),
    "patients": ("patient_id", "date_of_birth", "sex", "date_of_death", "type1_opt_out"),
    "registrations": ("patient_id", "practice_code", "start_date", "end_date"),
    "clinical_events": ("patient_id", "date", "code", "numeric_value"),
    "medications": ("patient_id", "date", "code"),
    "vaccinations": ("patient_id", "date", "code"),
    "appointments": (
        "appointment_id",
        "practice_code",
        "patient_id",
        "booked_at",
        "start_at",
        "status",
        "mode",
        "booking_channel",
        "clinician_type",
    ),
}


class BackendError(RuntimeError):
    """A backend cannot be started or a snapshot cannot be read."""


@dataclass
class Backend:
    name: str
    con: Any
    spark: Any = None
    _tmp: tempfile.TemporaryDirectory | None = None
    _cached: list[ir.Table] = field(default_factory=list)

    def read_table(self, files: list[Path], table: str) -> ir.Table:
        """A CDM table from its Parquet files, cast to the CDM types, used columns only."""
        schema = SCHEMAS[table]
        columns = USED_COLUMNS[table]
        if not files:
            empty = pa.schema([schema.field(c) for c in columns]).empty_table()
            return self.upload(empty)
        if self.name == "duckdb":
            raw = self.con.read_parquet([str(f) for f in files])
        else:
            folder = files[0].parent
            if any(f.parent != folder for f in files):
                raise BackendError(f"{table}: Parquet files are not in one folder")
            raw = self.con.read_parquet(str(folder))
        missing = [c for c in columns if c not in raw.columns]
        if missing:
            raise BackendError(f"{files[0].parent}: table {table} has no column(s) {', '.join(missing)}")
        return raw.select(*[raw[c].cast(ibis.dtype(schema.field(c).type)).name(c) for c in columns])

    def upload(self, data: pa.Table) -> ir.Table:
        """A small in-memory table on this backend."""
        name = ibis.util.gen_name("gpqi")
        if self.name == "duckdb":
            return self.con.create_table(name, data, temp=True)
        # Spark: a temp view over a DataFrame built from Arrow, so cached plans can see it.
        frame = self.spark.createDataFrame(data.to_pandas(), schema=_spark_schema(data.schema))
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def materialise(self, expr: ir.Table) -> ir.Table:
        """Compute once and keep (a DuckDB temp table, a cached Spark DataFrame)."""
        cached = expr.cache()
        self._cached.append(cached)
        return cached

    def close(self) -> None:
        for cached in self._cached:
            with contextlib.suppress(Exception):  # best effort on shutdown
                cached.release()
        self._cached.clear()
        if self.name == "duckdb":
            self.con.disconnect()
        if self._tmp is not None:
            self._tmp.cleanup()


_SPARK: Any = None


DEFAULT_SHUFFLE_PARTITIONS = 8


def spark_session(master: str = "local[*]", shuffle_partitions: int | None = None) -> Any:
    """The process's SparkSession (created once; Spark allows one per process).

    Shuffle partitions: `shuffle_partitions` when given; otherwise the cluster's own setting
    (`spark.sql.shuffle.partitions` in spark-defaults.conf or PYSPARK_SUBMIT_ARGS) when it
    has one, else 8, which suits one machine. A builder setting would override
    spark-defaults.conf, so the default is applied only after the session exists.
    """
    global _SPARK
    if _SPARK is None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise BackendError("the pyspark backend needs pyspark: pip install 'gpqi[spark]'") from exc
        builder = (
            SparkSession.builder.appName("gpqi")
            .master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "4g")
            .config("spark.sql.ansi.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
        if shuffle_partitions:
            builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        _SPARK = builder.getOrCreate()
        _SPARK.sparkContext.setLogLevel("ERROR")
        if not shuffle_partitions and not _SPARK.sparkContext.getConf().contains(
            "spark.sql.shuffle.partitions"
        ):
            _SPARK.conf.set("spark.sql.shuffle.partitions", str(DEFAULT_SHUFFLE_PARTITIONS))
    return _SPARK


def connect(
    name: str = "duckdb",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    spark_master: str = "local[*]",
    spark_session_: Any = None,
) -> Backend:
    """Open a backend. DuckDB works in a temporary database file so large runs can spill."""
    if name == "duckdb":
        tmp = tempfile.TemporaryDirectory(prefix="gpqi-duckdb-")
        con = ibis.duckdb.connect(str(Path(tmp.name) / "engine.duckdb"))
        con.raw_sql(f"SET temp_directory = '{Path(tmp.name) / 'spill'}'")
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{safe_size(memory_limit)}'")
        con.raw_sql("SET preserve_insertion_order = false")
        con.raw_sql("SET enable_progress_bar = false")  # gpqi shows its own progress
        return Backend(name="duckdb", con=con, _tmp=tmp)
    if name == "pyspark":
        spark = spark_session_ or spark_session(spark_master)
        return Backend(name="pyspark", con=ibis.pyspark.connect(spark), spark=spark)
    raise BackendError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")


def safe_size(value: str) -> str:
    # Configuration, not user data, but keep it to a size literal all the same.
    import re

    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip(), re.IGNORECASE):
        raise BackendError(f"memory_limit {value!r} is not a size such as '8GB'")
    return value.strip()


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql import types as T

    mapping = {
        pa.string(): T.StringType(),
        pa.int64(): T.LongType(),
        pa.int32(): T.IntegerType(),
        pa.int8(): T.ByteType(),
        pa.float64(): T.DoubleType(),
        pa.bool_(): T.BooleanType(),
        pa.date32(): T.DateType(),
        pa.timestamp("s"): T.TimestampNTZType(),
    }
    return T.StructType([T.StructField(f.name, mapping[f.type], f.nullable) for f in schema])
