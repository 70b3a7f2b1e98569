"""`gpqi demo`: build a demo programme (if the workspace has no results), its users and
agreements, then serve it.

The data comes from the real pipeline: `gpqi.synth.generate` (about 40 practices in 8 networks
and 2 sub-ICBs, ten years, an improvement programme in 2 networks), written as real federations'
extracts arrive, mixed: practices in turn as CDM, FHIR R4 UK Core, EMIS Web and SystmOne
(`gpqi.synth.formats`) -> `gpqi.ingest.ingest` (each folder's format detected) ->
`gpqi.engine.run` over monthly dates on DuckDB, with the worklists for the latest date, plus a
weekly series for the demo flu campaign (`gpqi.programmes.demo_campaign`). A workspace that
already has results (e.g. a results-only national programme for load tests) is used as it is.
Its users, agreements and campaign are in `gpqi.programmes.demo_accounts`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from gpqi import engine, ingest, synth
from gpqi.programmes.demo_campaign import build_series
from gpqi.synth.formats import mixed, rewrite
from gpqi.workspace import Workspace, init_workspace

DEMO_PRACTICES = 40
DEMO_PATIENTS = 40_000
DEMO_START, DEMO_END = dt.date(2016, 4, 1), dt.date(2026, 3, 31)


def build_data(root: Path, say: Callable[[str], None]) -> Workspace:
    """Build the demo workspace's data unless it already has results, and the campaign series."""
    ws = init_workspace(root, name="Demo quality programme")
    if ws.results_path.exists():
        say(f"Using the results already in {root}")
    else:
        build_with_pipeline(ws, say)
    build_series(ws, say)
    return ws


def build_with_pipeline(ws: Workspace, say: Callable[[str], None]) -> Workspace:
    """Generate the synthetic extract (kept for reuse), ingest it and run every indicator."""
    extract = ws.root / "demo-extract"
    written = extract / "formats.json"  # written last: the extract is complete in its formats
    if not written.exists():
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
        manifest = synth.generate(extract, cfg, overwrite=True)
        formats = mixed(manifest["practice_codes"])
        say(
            "Writing the practices as their clinical systems export them: CDM, FHIR, EMIS and SystmOne in turn"
        )
        rewrite(extract, formats)
        written.write_text(json.dumps(formats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    say("Ingesting the extract into a snapshot (each practice in its own format)")
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
