"""The demo built with the real pipeline: synth -> ingest -> engine (with worklists).

`gpqi demo` calls this when the workspace has no results: it generates a synthetic extract
(`gpqi.synth.generate`), ingests it into a snapshot (`gpqi.ingest.ingest`) and runs every
library indicator over monthly reporting dates on DuckDB (`gpqi.engine.run`), which also writes
the worklists for the latest date (one per practice and indicator, for direct care).
"""

from __future__ import annotations

from collections.abc import Callable

from gpqi.workspace import Workspace


def build_with_pipeline(ws: Workspace, say: Callable[[str], None]) -> Workspace:
    from gpqi import engine, ingest, synth
    from gpqi.web.demo import DEMO_END, DEMO_PATIENTS, DEMO_PRACTICES, DEMO_START

    extract = ws.root / "demo-extract"
    if not (extract / "manifest.json").exists():
        say(
            f"Generating {DEMO_PRACTICES} synthetic practices, {DEMO_PATIENTS:,} patients, {DEMO_START}..{DEMO_END}"
        )
        cfg = synth.SynthConfig(
            practices=DEMO_PRACTICES,
            patients=DEMO_PATIENTS,
            start=DEMO_START,
            end=DEMO_END,
            seed=7,
            networks=8,
            sub_icbs=2,
            programme_networks=2,
        )
        synth.generate(extract, cfg, overwrite=True)
    say("Ingesting the extract into a snapshot")
    ingest.ingest(extract, workspace=ws.root)
    say("Running every indicator over monthly reporting dates, with worklists (under a minute on 2 cores)")
    result = engine.run(
        ws, dates=f"monthly:{DEMO_START:%Y-%m}..{DEMO_END:%Y-%m}", backend="duckdb", worklists=True
    )
    say(
        f"Indicator run finished: {len(result.computed)} indicators computed, {len(result.reused)} reused, "
        f"{len(result.results):,} result rows"
    )
    return ws
