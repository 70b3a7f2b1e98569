"""Run the whole library and keep its outputs, or compare two kept outputs: how an engine
change is shown to give identical results on a real workspace, and what it costs.

    .venv/bin/python scripts/compare-runs.py save WORKSPACE OUT_DIR [--code DIR] [--dates SPEC]
    .venv/bin/python scripts/compare-runs.py compare OUT_DIR_A OUT_DIR_B

`save` runs `gpqi.engine.run` over the 120 month ends April 2016 to March 2026 (or --dates)
with worklists and nothing written to the workspace, writes results, list sizes and every
worklist row to OUT_DIR as Parquet, and prints the CPU seconds (user + system, DuckDB's
threads included), wall seconds, load average and peak memory. With --code DIR, gpqi is
imported from DIR instead of this checkout (e.g. a `git worktree` of an earlier commit), so
two versions run with the same Python and packages. `compare` says, per table, whether the
two runs' rows are identical, and where they first differ.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

KEYS = {
    "results": ["indicator_id", "org_type", "org_code", "reporting_date"],
    "list_sizes": ["practice_code", "reporting_date"],
    "worklists": ["indicator_id", "practice_code", "patient_id"],
}


def _import_from(code: Path) -> None:
    # An editable install puts a finder ahead of sys.path; drop it so `code` is imported.
    sys.meta_path[:] = [finder for finder in sys.meta_path if "_EditableFinder" not in repr(finder)]
    sys.path.insert(0, str(code))


def save(workspace: str, out: Path, dates: str, code: Path | None) -> None:
    if code is not None:
        _import_from(code.resolve())
    import gpqi
    from gpqi.engine import runner, worklists

    out.mkdir(parents=True, exist_ok=True)
    kept: list[pd.DataFrame] = []
    identified = worklists.identified

    def keep(*args: object) -> object:
        table = identified(*args)  # type: ignore[arg-type]
        kept.append(table.to_pandas())
        return table

    runner.identified = keep  # type: ignore[assignment]
    before, started = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    outcome = runner.run(workspace, dates=dates, force=True, write=False)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    outcome.results.to_parquet(out / "results.parquet")
    outcome.list_sizes.to_parquet(out / "list_sizes.parquet")
    (pd.concat(kept) if kept else pd.DataFrame()).to_parquet(out / "worklists.parquet")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"gpqi from {Path(gpqi.__file__).parent}")
    print(
        f"CPU {cpu:.1f} s, wall {wall:.1f} s, load average {os.getloadavg()}, "
        f"peak {after.ru_maxrss / 1024:,.0f} MiB; rows: results {len(outcome.results):,}, "
        f"list sizes {len(outcome.list_sizes):,}, worklists {sum(len(k) for k in kept):,}"
    )


def compare(first: Path, second: Path) -> bool:
    same = True
    for name, keys in KEYS.items():
        a = pd.read_parquet(first / f"{name}.parquet").sort_values(keys).reset_index(drop=True)
        b = pd.read_parquet(second / f"{name}.parquet").sort_values(keys).reset_index(drop=True)
        try:
            pd.testing.assert_frame_equal(a[sorted(a.columns)], b[sorted(b.columns)], check_dtype=False)
            print(f"{name}: identical ({len(a):,} rows)")
        except AssertionError as difference:
            same = False
            print(f"{name}: DIFFERENT ({len(a):,} and {len(b):,} rows): {str(difference)[:600]}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    saving = commands.add_parser("save")
    saving.add_argument("workspace")
    saving.add_argument("out", type=Path)
    saving.add_argument("--code", type=Path)
    saving.add_argument("--dates", default="monthly:2016-04..2026-03")
    comparing = commands.add_parser("compare")
    comparing.add_argument("first", type=Path)
    comparing.add_argument("second", type=Path)
    args = parser.parse_args()
    if args.command == "save":
        save(args.workspace, args.out, args.dates, args.code)
    elif not compare(args.first, args.second):
        sys.exit(1)


if __name__ == "__main__":
    main()
