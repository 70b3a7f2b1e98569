"""`gpqi demo`: build a demo programme (if the workspace has no results), its users and
agreements, then serve it.

The data comes from the real pipeline: `gpqi.synth.generate` (16 practices of real list sizes and
age structure, about 154,000 patients, in 4 networks and 2 sub-ICBs, eight years, an improvement
programme in 2 networks from April 2022), written as real federations' extracts arrive, mixed:
the smallest practices as FHIR R4 UK Core, EMIS Web and SystmOne (one each), the rest as CDM
(`gpqi.synth.formats.few_of_each`: converting a dialect costs many times the CDM path) ->
`gpqi.ingest.ingest` (each folder's format detected) ->
`gpqi.engine.run` over monthly dates on DuckDB, with the worklists for the latest date, plus a
weekly series for the demo flu campaign (`gpqi.programmes.demo_campaign`). A workspace that
already has results (e.g. a results-only national programme for load tests) is used as it is.
Its users, agreements and campaign are in `gpqi.programmes.demo_accounts`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gpqi import engine, ingest, synth
from gpqi.programmes.demo_campaign import build_series
from gpqi.synth.formats import few_of_each, rewrite
from gpqi.synth.generate import generate as generate_extract
from gpqi.workspace import Workspace, init_workspace


@dataclass(frozen=True)
class DemoConfig:
    """The demo's size and span. The default is a believable programme: practices drawn from
    real practice profiles (list size and age structure) at their real mean list size; a small
    one (the page-walk test) keeps the same shape at a fraction of the size."""

    practices: int = 16
    patients: int = 16 * 9_620  # NHS Payments to General Practice 2022-23: mean list size 9,620
    start: dt.date = dt.date(2018, 4, 1)
    end: dt.date = dt.date(2026, 3, 31)
    networks: int = 4
    sub_icbs: int = 2
    programme_networks: int = 2
    programme_start: dt.date | None = dt.date(2022, 4, 1)
    seed: int = 7
    dialect_practices: int = 1  # practices per clinical-system format (FHIR, EMIS, SystmOne): the smallest


DEMO = DemoConfig()
EXTRACT = "demo-extract"  # the synthetic extract, kept in the workspace for reuse


def build_data(root: Path, say: Callable[[str], None], config: DemoConfig = DEMO) -> Workspace:
    """Build the demo workspace's data unless it already has results, and the campaign series."""
    ws = init_workspace(root, name="Demo quality programme")
    if ws.results_path.exists():
        say(f"Using the results already in {root}")
    else:
        build_with_pipeline(ws, say, config)
    build_series(ws, say)
    return ws


def build_with_pipeline(ws: Workspace, say: Callable[[str], None], config: DemoConfig = DEMO) -> Workspace:
    """Generate the synthetic extract (kept for reuse), ingest it and run every indicator."""
    extract = ws.root / EXTRACT
    written = extract / "formats.json"  # written last: the extract is complete in its formats
    if not written.exists():
        say(
            f"Generating {config.practices} synthetic practices, {config.patients:,} patients, "
            f"{config.start}..{config.end} (a few minutes on 2 cores)"
        )
        cfg = synth.SynthConfig(
            practices=config.practices,
            patients=config.patients,
            start=config.start,
            end=config.end,
            seed=config.seed,
            networks=config.networks,
            sub_icbs=config.sub_icbs,
            programme_networks=config.programme_networks,
            programme_start=config.programme_start,
            workers=min(2, os.cpu_count() or 1),
        )
        manifest = generate_extract(extract, cfg, overwrite=True)
        formats = few_of_each(manifest["list_sizes"], config.dialect_practices)
        say(
            "Writing the practices as their clinical systems export them: "
            + ", ".join(f"{code} {fmt}" for code, fmt in sorted(formats.items()) if fmt != "cdm")
            + ", the rest CDM"
        )
        rewrite(extract, formats)
        written.write_text(json.dumps(formats, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    say("Ingesting the extract into a snapshot (each practice in its own format)")
    ingest.ingest(extract, workspace=ws.root)
    say("Running every indicator over monthly reporting dates, with worklists")
    result = engine.run(
        ws, dates=f"monthly:{config.start:%Y-%m}..{config.end:%Y-%m}", backend="duckdb", worklists=True
    )
    say(
        f"Indicator run finished: {len(result.computed)} indicators computed, {len(result.reused)} reused, "
        f"{len(result.results):,} result rows"
    )
    return ws
