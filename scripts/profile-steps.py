"""CPU seconds of each engine step of a run: every materialised table and every fetched
result, with the CPU spent compiling Ibis expressions to SQL counted apart.

    .venv/bin/python scripts/profile-steps.py WORKSPACE OUT.json [DATES]

Runs the workspace's whole library over DATES (default the 120 month ends April 2016 to
March 2026) with nothing written. CPU is the process's (user + system, DuckDB's threads
included), which moves far less than wall time with other work on the machine. Prints the
split (executing, compiling, the rest: building expressions, pandas, worklist frames) and the
30 costliest steps; OUT.json holds every step as [kind, execute CPU, compile CPU, columns].
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from typing import Any

import ibis.backends.sql.compilers.base as sql_compilers
import ibis.expr.types.relations as relations

import gpqi.engine.backends as backends
from gpqi.engine.runner import run

STEPS: list[tuple[str, float, float, str]] = []
COMPILING = [0.0]


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(kind: str, call: Any, describe: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, compiled = cpu(), COMPILING[0]
        result = call(*args, **kwargs)
        compiling = COMPILING[0] - compiled
        STEPS.append((kind, cpu() - started - compiling, compiling, describe(*args)))
        return result

    return wrapper


def compiling(call: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = cpu()
        try:
            return call(*args, **kwargs)
        finally:
            COMPILING[0] += cpu() - started

    return wrapper


def main() -> None:
    workspace, out = sys.argv[1], sys.argv[2]
    dates = sys.argv[3] if len(sys.argv) > 3 else "monthly:2016-04..2026-03"
    sql_compilers.SQLGlotCompiler.to_sqlglot = compiling(sql_compilers.SQLGlotCompiler.to_sqlglot)
    backends.Backend.materialise = timed(
        "materialise", backends.Backend.materialise, lambda _backend, expr: ",".join(expr.columns)
    )
    relations.Table.to_pandas = timed(
        "fetch", relations.Table.to_pandas, lambda table: ",".join(table.columns)
    )
    started_cpu, started = cpu(), time.perf_counter()
    run(workspace, dates=dates, force=True, write=False)
    total, wall = cpu() - started_cpu, time.perf_counter() - started
    executing = sum(step[1] for step in STEPS)
    print(f"wall {wall:.1f} s, CPU {total:.1f} s, load average {os.getloadavg()}")
    print(
        f"executing {executing:.1f} s ({len(STEPS)} steps), compiling {COMPILING[0]:.1f} s, "
        f"the rest {total - executing - COMPILING[0]:.1f} s"
    )
    for kind, execute, compile_, columns in sorted(STEPS, key=lambda step: -step[1])[:30]:
        print(f"{execute:7.2f} {compile_:5.2f} {kind:11} {columns[:100]}")
    with open(out, "w") as handle:
        json.dump(STEPS, handle)


if __name__ == "__main__":
    main()
