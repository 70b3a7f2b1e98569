"""The results store: results, list sizes, run metadata and worklists in the workspace.

Every file is written to a temporary name in its own folder and renamed over the old one, so
a reader sees the previous complete file or the new complete file, never half of one, and a
failed run leaves the previous results in place.

A run's outputs go in together (`RunOutputs`): every file is first written under a temporary
name beside its final one; only when all are written is a journal of the renames written
(`results/.commit-*.json`, flushed to disk) and the renames done, run.json last. A run that
fails or is killed before the journal leaves every previous output as it was (its temporary
files are removed by the next run); one killed during the renames is finished by the next run
from the journal. So results, list sizes, worklists and run.json always come from one run.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.engine.schema import LIST_SIZES, RESULTS, WORKLIST
from gpqi.workspace import Workspace


def _replace(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_table(path: Path, table: pa.Table) -> None:
    _replace(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_tables(path: Path, schema: pa.Schema, tables: Iterable[pa.Table]) -> None:
    """One Parquet file from tables written one after another (each may be large), replaced
    whole like `write_table`."""

    def write(tmp: Path) -> None:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for table in tables:
                writer.write_table(table)

    _replace(path, write)


def write_json(path: Path, data: dict[str, Any]) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")

    _replace(path, write)


def read_table(path: Path, schema: pa.Schema) -> pa.Table:
    if not path.exists():
        return schema.empty_table()
    return pq.read_table(path, schema=schema)


def read_run_info(ws: Workspace, series: str | None = None) -> dict[str, Any]:
    path = ws.series_run_info_path(series)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def read_results(ws: Workspace, series: str | None = None) -> pa.Table:
    """The main results (series None) or a named series' results."""
    return read_table(ws.series_results_path(series), RESULTS)


def read_list_sizes(ws: Workspace, series: str | None = None) -> pa.Table:
    return read_table(ws.series_list_sizes_path(series), LIST_SIZES)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class RunOutputs:
    """The files one run writes, staged beside their final names and put in place together."""

    ws: Workspace
    token: str = field(default_factory=lambda: f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # (staged, final), in order
    removals: list[Path] = field(default_factory=list)

    def _staged(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{self.token}.run")
        self.moves.append((staged, path))
        return staged

    def table(self, path: Path, table: pa.Table) -> None:
        staged = self._staged(path)
        pq.write_table(table, staged, compression="zstd")
        _fsync(staged)

    def json(self, path: Path, data: dict[str, Any]) -> None:
        staged = self._staged(path)
        staged.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8")
        _fsync(staged)

    def worklists(self, indicator_id: str, table: pa.Table, practices: list[str]) -> int:
        """One file per practice (empty for practices with nobody listed); stale ones removed."""
        import pyarrow.compute as pc

        written = 0
        for practice in practices:
            rows = table.filter(pc.equal(table["practice_code"], practice)) if table.num_rows else table
            self.table(self.ws.worklist_path(practice, indicator_id), rows.cast(WORKLIST))
            written += rows.num_rows
        keep = set(practices)
        if self.ws.worklists_dir.exists():
            for folder in self.ws.worklists_dir.iterdir():
                stale = folder / f"{indicator_id}.parquet"
                if folder.name not in keep and stale.exists():
                    self.removals.append(stale)
        return written

    def commit(self) -> None:
        """Put every staged file in place: journal first, so a kill mid-way is finished later."""
        journal = self.ws.results_dir / f".commit-{self.token}.json"
        journal.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "moves": [[str(a), str(b)] for a, b in self.moves],
            "removals": [str(p) for p in self.removals],
        }
        tmp = journal.with_suffix(".tmp")
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, journal)
        _fsync(journal.parent)
        _apply(journal)

    def discard(self) -> None:
        for staged, _ in self.moves:
            staged.unlink(missing_ok=True)


def _apply(journal: Path) -> None:
    entry = json.loads(journal.read_text(encoding="utf-8"))
    for staged, final in entry["moves"]:
        if Path(staged).exists():
            os.replace(staged, final)
    for path in entry["removals"]:
        Path(path).unlink(missing_ok=True)
    journal.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(ws: Workspace) -> list[str]:
    """Finish a run killed while putting its files in place, and remove the staged files of runs
    that died before that; return what was done (call before a run writes)."""
    done: list[str] = []
    if ws.results_dir.exists():
        for journal in sorted(ws.results_dir.glob(".commit-*.json")):
            _apply(journal)
            done.append(f"finished the outputs of an interrupted run ({journal.name})")
    for folder in (ws.results_dir, ws.worklists_dir):
        if not folder.exists():
            continue
        for staged in folder.rglob(".*.run"):
            pid = staged.name.rsplit(".", 2)[-2].split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                staged.unlink(missing_ok=True)
                done.append(f"removed {staged.relative_to(ws.root)}")
    return done


def write_worklists(ws: Workspace, indicator_id: str, table: pa.Table, practices: list[str]) -> int:
    """Write one indicator's worklists on their own (all of them, or none)."""
    outputs = RunOutputs(ws)
    try:
        written = outputs.worklists(indicator_id, table, practices)
        outputs.commit()
    except BaseException:
        outputs.discard()
        raise
    return written
