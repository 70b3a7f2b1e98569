"""Read-only access to the engine's results for every view (pages, reports, the API).

The engine writes one Parquet file of every indicator x date x organisation. Pages ask narrow
questions of it (one indicator at one date for every practice; every indicator's series for one
practice), so on first use we copy the practice rows into a DuckDB file under the workspace's
app folder, twice sorted (by indicator and date; by practice), which lets DuckDB skip whole row
groups by their min/max. The cache is rebuilt when the results file changes (its size and
modification time are part of the cache's name). Every query returns at most one indicator's
practices at one date or one practice's series, never the whole table.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from gpqi.access.memo import MEMO
from gpqi.workspace import Workspace

T = TypeVar("T")

CACHE_FORMAT = 1


class NoResults(RuntimeError):
    """The workspace has no results yet."""


@dataclass(frozen=True)
class _Conn:
    key: str
    con: duckdb.DuckDBPyConnection


class ResultsStore:
    """One per process per workspace; thread-safe (each thread gets its own cursor)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._lock = threading.Lock()
        self._conn: _Conn | None = None
        self._local = threading.local()

    # --- cache management ----------------------------------------------------------------------
    def _results_key(self) -> str:
        path = self.ws.results_path
        if not path.exists():
            raise NoResults(f"{self.ws.root}: no results yet; run `gpqi run --workspace {self.ws.root}`")
        st = path.stat()
        lst = self.ws.list_sizes_path.stat() if self.ws.list_sizes_path.exists() else None
        return f"v{CACHE_FORMAT}-{st.st_size}-{st.st_mtime_ns}-{lst.st_size if lst else 0}-{lst.st_mtime_ns if lst else 0}"

    def cache_path(self, key: str) -> Path:
        return self.ws.app_dir / "cache" / f"results-{key}.duckdb"

    def build_cache(self, key: str | None = None) -> Path:
        """Write the cache file for the current results (atomically: build then rename)."""
        key = key or self._results_key()
        target = self.cache_path(key)
        if target.exists():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            src = str(self.ws.results_path)
            con.execute(
                "CREATE TABLE by_indicator AS SELECT indicator_id, reporting_date, org_code, numerator, "
                "denominator, excluded, value FROM read_parquet(?) WHERE org_type = 'practice' "
                "ORDER BY indicator_id, reporting_date, org_code",
                [src],
            )
            con.execute(
                "CREATE TABLE by_practice AS SELECT org_code, indicator_id, reporting_date, numerator, "
                "denominator, value FROM by_indicator ORDER BY org_code, indicator_id, reporting_date"
            )
            con.execute(
                "CREATE TABLE versions AS SELECT indicator_id, any_value(indicator_version) AS indicator_version, "
                "min(reporting_date) AS first_date, max(reporting_date) AS last_date "
                "FROM read_parquet(?) GROUP BY indicator_id",
                [src],
            )
            if self.ws.list_sizes_path.exists():
                con.execute(
                    "CREATE TABLE list_sizes AS SELECT practice_code, reporting_date, list_size "
                    "FROM read_parquet(?) ORDER BY reporting_date, practice_code",
                    [str(self.ws.list_sizes_path)],
                )
            else:
                con.execute(
                    "CREATE TABLE list_sizes (practice_code VARCHAR, reporting_date DATE, list_size BIGINT)"
                )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, target)
        for old in target.parent.glob("results-*.duckdb"):
            if old != target:
                old.unlink(missing_ok=True)
        return target

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        key = self._results_key()
        with self._lock:
            if self._conn is None or self._conn.key != key:
                path = self.build_cache(key)
                if self._conn is not None:
                    self._conn.con.close()
                self._conn = _Conn(key, duckdb.connect(str(path), read_only=True))
            conn = self._conn
        local = self._local
        if getattr(local, "key", None) != conn.key:
            local.cur = conn.con.cursor()
            local.key = conn.key
        return local.cur

    @property
    def version(self) -> str:
        return self._results_key()

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """A value derived from these results, from the process's one memo (`gpqi.access.memo`):
        keyed on the workspace and the results' version, so a new run is never answered from an
        old entry."""
        return MEMO.get((str(self.ws.root), self.version, *key), compute)

    # --- questions pages ask -------------------------------------------------------------------
    def dates(self) -> list[dt.date]:
        return self.memo(
            ("dates",),
            lambda: [
                r[0]
                for r in self._cursor()
                .execute("SELECT DISTINCT reporting_date FROM by_indicator ORDER BY 1")
                .fetchall()
            ],
        )

    def latest_date(self) -> dt.date:
        dates = self.dates()
        if not dates:
            raise NoResults(f"{self.ws.root}: the results file holds no practice rows")
        return dates[-1]

    def indicator_ids(self) -> list[str]:
        return self.memo(
            ("ids",),
            lambda: [
                r[0]
                for r in self._cursor().execute("SELECT indicator_id FROM versions ORDER BY 1").fetchall()
            ],
        )

    def at_date(self, indicator_id: str, date: dt.date) -> pd.DataFrame:
        """Every practice's row for one indicator at one date."""
        return (
            self._cursor()
            .execute(
                "SELECT org_code, numerator, denominator, excluded, value FROM by_indicator "
                "WHERE indicator_id = ? AND reporting_date = ?",
                [indicator_id, date],
            )
            .df()
        )

    def all_at_date(self, date: dt.date) -> pd.DataFrame:
        """Every indicator x practice at one date (for peer medians and quartiles)."""
        return (
            self._cursor()
            .execute(
                "SELECT indicator_id, org_code, numerator, denominator, value FROM by_indicator "
                "WHERE reporting_date = ?",
                [date],
            )
            .df()
        )

    def practice_series(self, practice_code: str, indicator_id: str | None = None) -> pd.DataFrame:
        """One practice's series (all indicators, or one), in date order."""
        sql = (
            "SELECT indicator_id, reporting_date, numerator, denominator, value FROM by_practice "
            "WHERE org_code = ?"
        )
        params: list[Any] = [practice_code]
        if indicator_id is not None:
            sql += " AND indicator_id = ?"
            params.append(indicator_id)
        return _dates(self._cursor().execute(sql + " ORDER BY indicator_id, reporting_date", params).df())

    def series_for(self, indicator_id: str, practice_codes: list[str]) -> pd.DataFrame:
        """The summed series of a group of practices (a network's visible members)."""
        return _dates(
            self._cursor()
            .execute(
                "SELECT reporting_date, sum(numerator) AS numerator, sum(denominator) AS denominator "
                "FROM by_indicator WHERE indicator_id = ? AND org_code IN (SELECT unnest(?)) "
                "GROUP BY reporting_date ORDER BY reporting_date",
                [indicator_id, practice_codes],
            )
            .df()
        )

    def indicator_since(self, indicator_id: str, first: dt.date) -> pd.DataFrame:
        """Every practice's counts for one indicator at every date from `first` on."""
        return (
            self._cursor()
            .execute(
                "SELECT org_code, reporting_date, numerator, denominator FROM by_indicator "
                "WHERE indicator_id = ? AND reporting_date >= ?",
                [indicator_id, first],
            )
            .df()
        )

    def sums_at_date(self, date: dt.date, practice_codes: list[str]) -> pd.DataFrame:
        """Every indicator's summed numerator and denominator over a group of practices at one
        date (a network's visible members)."""
        return (
            self._cursor()
            .execute(
                "SELECT indicator_id, sum(numerator) AS numerator, sum(denominator) AS denominator "
                "FROM by_indicator WHERE reporting_date = ? AND org_code IN (SELECT unnest(?)) "
                "GROUP BY indicator_id ORDER BY indicator_id",
                [date, practice_codes],
            )
            .df()
        )

    def list_sizes(self, date: dt.date) -> dict[str, int]:
        """Every practice's list size at a date (memoised: the same for every user)."""

        def compute() -> dict[str, int]:
            rows = (
                self._cursor()
                .execute("SELECT practice_code, list_size FROM list_sizes WHERE reporting_date = ?", [date])
                .fetchall()
            )
            return dict(rows)

        return self.memo(("list_sizes", date), compute)

    def run_info(self) -> dict[str, Any] | None:
        path = self.ws.run_info_path
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {"error": f"{path} is not valid JSON"}


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB hands DATE columns to pandas as timestamps; pages work with datetime.date."""
    if "reporting_date" in frame and len(frame):
        frame["reporting_date"] = [d.date() if hasattr(d, "date") else d for d in frame["reporting_date"]]
    return frame


_stores: dict[Path, ResultsStore] = {}
_stores_lock = threading.Lock()


def store_for(ws: Workspace) -> ResultsStore:
    with _stores_lock:
        store = _stores.get(ws.root.resolve())
        if store is None:
            store = _stores[ws.root.resolve()] = ResultsStore(ws)
        return store
