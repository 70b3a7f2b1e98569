"""The engine: runs indicator definitions over a snapshot on DuckDB or PySpark and stores
results, list sizes, worklists and run metadata in the workspace.

    from gpqi.engine import run
    outcome = run("gpqi-workspace", dates="monthly:2016-04..2026-03", backend="duckdb")

`gpqi.engine.schema` (the output contract) imports nothing heavy; `run` loads Ibis on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunResult", "run"]


def __getattr__(name: str) -> Any:
    # Lazy, so `import gpqi.engine.schema` (read by the web app) does not load Ibis.
    if name in ("run", "RunResult", "RunError"):
        from gpqi.engine import runner

        return getattr(runner, name)
    raise AttributeError(name)
