"""A workspace: the folder that holds one programme's snapshots, results and app state.

Layout (documented for users in docs/workspace.md):

    <workspace>/
      gpqi.toml                    configuration (validated by `Config`)
      CURRENT                      id of the snapshot being served (replaced atomically)
      snapshots/<id>/<table>/*.parquet   a published CDM snapshot, one folder per table
      snapshots/<id>/manifest.json       what the snapshot holds (tables, practices, row counts)
      snapshots/<id>/report.json         the publish report (read/loaded/quarantined per table and practice)
      snapshots/<id>/quarantine/*.parquet  rows that failed validation, with the reason
      snapshots/<id>/practice_patients/<practice>.parquet  each practice's own patient rows before
                                   merging (so one practice can be replaced without the others)
      staging/                     ingest work in progress; never read by anything else
      ingest-history.jsonl         one line per `gpqi ingest` attempt (published, unchanged, failed)
      .ingest.lock                 held while an ingest runs (one at a time per workspace)
      results/results.parquet      aggregate indicator results (all dates, all org levels)
      results/list_sizes.parquet   registered list size per practice and reporting date
      results/run.json             the last run: when, snapshot, indicators, versions, timings
      results/series/<name>/{results.parquet,list_sizes.parquet,run.json}   a named results series
                                   (`gpqi run --series NAME`, e.g. a campaign's weekly figures),
                                   kept apart from the main results; no worklists
      codelists/<slug>.csv, <slug>.yaml   the programme's own codelists and their provenance
      indicators/<id>.yaml         the programme's own definitions (extending or overriding built-ins)
      worklists/<practice_code>/<indicator_id>.parquet   patient-identifiable; direct care only
      app/                         web application state (SQLite by default)

Everything downstream reads the snapshot named in CURRENT, never staging or raw extracts.
"""

from __future__ import annotations

import fcntl
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_WORKSPACE = Path("gpqi-workspace")
CONFIG_FILE = "gpqi.toml"
SERIES_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class WorkspaceError(RuntimeError):
    """The workspace is missing, malformed or has no snapshot yet."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorkspaceSection(_Strict):
    name: str = "gpqi programme"


class EngineSection(_Strict):
    backend: str = Field("duckdb", pattern="^(duckdb|pyspark)$")
    spark_master: str = "local[*]"
    threads: int | None = Field(None, ge=1)
    memory_limit: str | None = None  # DuckDB memory_limit, e.g. "8GB"


class DisclosureSection(_Strict):
    redact_at_or_below: int = Field(7, ge=0)
    round_to: int = Field(5, ge=1)
    list_size_round_to: int = Field(100, ge=1)  # peers' list sizes, shown rounded to this


class IngestSection(_Strict):
    keep_snapshots: int = Field(5, ge=1)  # published snapshots kept on disk, the current one included
    memory_limit: str = "2GB"  # DuckDB memory_limit while validating; it spills to staging beyond this
    threads: int | None = Field(None, ge=1)
    # The shrink guard (docs/ingest.md): a practice sent again may not lose more than this share
    # of a table's rows, nor have more than max_quarantined of them quarantined, without
    # --accept-shrink; the shares apply from shrink_min_rows rows (losing every row always counts).
    max_shrink: float = Field(0.2, ge=0, le=1)
    max_quarantined: float = Field(0.2, ge=0, le=1)
    shrink_min_rows: int = Field(20, ge=1)


class EmailSection(_Strict):
    """SMTP for the campaign newsletter (gpqi.web.mail); the password comes from the
    GPQI_EMAIL_HOST_PASSWORD environment variable only."""

    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    username: str = ""
    use_tls: bool = False  # STARTTLS
    use_ssl: bool = False  # implicit TLS (port 465)
    from_address: str = "gpqi@localhost"
    timeout: int = Field(30, ge=1)


class IndicatorsSection(_Strict):
    """Which built-in indicators the programme runs; its own (`indicators/*.yaml`) always run.

    `builtins = "all"` (the default) or a list of ids; `exclude` takes ids out of that choice."""

    builtins: Literal["all"] | list[str] = "all"
    exclude: list[str] = []
    # Publishing from the dashboard's editor needs a second person named as `checked_by`.
    require_checked_by: bool = False


class AlertsSection(_Strict):
    """The monthly alerts digest (docs/alerts.md)."""

    min_denominator: int = Field(30, ge=1)  # a practice with fewer in the denominator never alerts
    window: int = Field(12, ge=2)  # CUSUM reference window, months
    sensitivity: float = Field(5.0, gt=0)  # CUSUM threshold, in SDs of the window
    site_url: str = "http://127.0.0.1:8000"  # the dashboard's address, for links in the email


class Config(_Strict):
    workspace: WorkspaceSection = WorkspaceSection()
    indicators: IndicatorsSection = IndicatorsSection()
    engine: EngineSection = EngineSection()
    disclosure: DisclosureSection = DisclosureSection()
    ingest: IngestSection = IngestSection()
    email: EmailSection = EmailSection()
    alerts: AlertsSection = AlertsSection()


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: Config

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def snapshots_dir(self) -> Path:
        return self.root / "snapshots"

    @property
    def staging_dir(self) -> Path:
        return self.root / "staging"

    def snapshot_path(self, snapshot_id: str) -> Path:
        return self.snapshots_dir / snapshot_id

    @property
    def ingest_history_path(self) -> Path:
        return self.root / "ingest-history.jsonl"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def results_path(self) -> Path:
        return self.results_dir / "results.parquet"

    @property
    def list_sizes_path(self) -> Path:
        return self.results_dir / "list_sizes.parquet"

    @property
    def run_info_path(self) -> Path:
        return self.results_dir / "run.json"

    def series_dir(self, series: str | None = None) -> Path:
        """Where a results series lives: `results/` for the main one (None), else
        `results/series/<name>/`. Names are lower-case letters, digits and hyphens."""
        if series is None:
            return self.results_dir
        if not SERIES_NAME.match(series):
            raise WorkspaceError(
                f"series name {series!r}: use lower-case letters, digits and hyphens (at most 64), "
                "starting with a letter or digit"
            )
        return self.results_dir / "series" / series

    def series_results_path(self, series: str | None = None) -> Path:
        return self.series_dir(series) / "results.parquet"

    def series_list_sizes_path(self, series: str | None = None) -> Path:
        return self.series_dir(series) / "list_sizes.parquet"

    def series_run_info_path(self, series: str | None = None) -> Path:
        return self.series_dir(series) / "run.json"

    @property
    def worklists_dir(self) -> Path:
        return self.root / "worklists"

    def worklist_path(self, practice_code: str, indicator_id: str) -> Path:
        return self.worklists_dir / practice_code / f"{indicator_id}.parquet"

    @property
    def app_dir(self) -> Path:
        return self.root / "app"

    def current_snapshot_id(self) -> str | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        value = pointer.read_text(encoding="utf-8").strip()
        return value or None

    def current_snapshot(self) -> Path:
        """The folder of the snapshot being served; WorkspaceError if none is published."""
        snapshot_id = self.current_snapshot_id()
        if snapshot_id is None:
            raise WorkspaceError(
                f"{self.root}: no snapshot published yet; run `gpqi ingest SOURCE --workspace {self.root}`"
            )
        path = self.snapshots_dir / snapshot_id
        if not path.is_dir():
            raise WorkspaceError(f"{self.root}: CURRENT names snapshot {snapshot_id!r}, which is missing")
        return path

    @contextmanager
    def pinned_snapshot(self) -> Iterator[Path]:
        """The current snapshot, held while the block runs: an ingest publishing meanwhile does
        not prune it (a shared lock on `.pins/<id>.lock`, which the system drops if the
        process dies). A run reads only this snapshot, however CURRENT moves."""
        pins = self.root / ".pins"
        pins.mkdir(exist_ok=True)
        while True:
            snapshot = self.current_snapshot()
            fd = os.open(pins / f"{snapshot.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_SH)
            if snapshot.is_dir():  # not pruned between reading CURRENT and taking the lock
                break
            os.close(fd)
        try:
            yield snapshot
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def snapshot_pinned(self, snapshot_id: str) -> bool:
        """Whether a run holds this snapshot (`pinned_snapshot`)."""
        path = self.root / ".pins" / f"{snapshot_id}.lock"
        if not path.exists():
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops a lock taken here
        return False

    def table_files(self, table: str, snapshot: Path | None = None) -> list[Path]:
        """The Parquet files holding `table` in a snapshot (the current one by default)."""
        folder = (snapshot or self.current_snapshot()) / table
        return sorted(folder.glob("*.parquet"))

    def set_current_snapshot(self, snapshot_id: str) -> None:
        """Point CURRENT at a snapshot atomically (write a temp file, then rename over)."""
        tmp = self.root / f".CURRENT.{os.getpid()}.tmp"
        tmp.write_text(snapshot_id + "\n", encoding="utf-8")
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "CURRENT")


def load_config(path: Path) -> Config:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise WorkspaceError(f"{path}: {problems}") from exc


def open_workspace(path: Path | str = DEFAULT_WORKSPACE) -> Workspace:
    root = Path(path)
    config_path = root / CONFIG_FILE
    if not config_path.exists():
        raise WorkspaceError(
            f"{root}: not a gpqi workspace (no {CONFIG_FILE}); create one with `gpqi ingest`"
        )
    return Workspace(root=root, config=load_config(config_path))


def init_workspace(path: Path | str = DEFAULT_WORKSPACE, name: str | None = None) -> Workspace:
    """Create the workspace folder and gpqi.toml if missing; open it either way."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / CONFIG_FILE
    if not config_path.exists():
        title = (name or "gpqi programme").replace('"', "'")
        config_path.write_text(
            "# gpqi workspace configuration; see docs/workspace.md\n"
            f'[workspace]\nname = "{title}"\n\n'
            '[engine]\nbackend = "duckdb"        # or "pyspark"\nspark_master = "local[*]"\n\n'
            "[disclosure]\n# counts shown outside the owning practice: redact at or below, round the rest\n"
            "redact_at_or_below = 7\nround_to = 5\n# peers' list sizes (chart point sizes) are rounded to this\nlist_size_round_to = 100\n\n"
            "[ingest]\n# published snapshots kept on disk (the current one included)\nkeep_snapshots = 5\n"
            '# DuckDB memory while validating; beyond this it spills to staging/\nmemory_limit = "2GB"\n'
            "# refuse (unless --accept-shrink) when a practice sent again loses more than this share of a\n"
            "# table's rows, or more than max_quarantined of its rows are quarantined\n"
            "max_shrink = 0.2\nmax_quarantined = 0.2\nshrink_min_rows = 20\n",
            encoding="utf-8",
        )
    return open_workspace(root)
