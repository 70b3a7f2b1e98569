"""The demo built with the real pipeline: synth -> ingest -> engine."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from gpqi.workspace import Workspace


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    params = inspect.signature(fn).parameters
    return fn(*args, **{k: v for k, v in kwargs.items() if k in params})


def build_with_pipeline(ws: Workspace, say: Callable[[str], None]) -> Workspace:
    from gpqi import engine, ingest, synth
    from gpqi.web.demo import DEMO_END, DEMO_PATIENTS, DEMO_PRACTICES, DEMO_START

    extract = ws.root / "demo-extract"
    if not (extract / "manifest.json").exists():
        say(
            f"Generating {DEMO_PRACTICES} synthetic practices, {DEMO_PATIENTS:,} patients, {DEMO_START}..{DEMO_END}"
        )
        fields = getattr(synth.SynthConfig, "model_fields", None) or {}
        wanted = {
            "practices": DEMO_PRACTICES,
            "patients": DEMO_PATIENTS,
            "start": DEMO_START,
            "end": DEMO_END,
            "seed": 7,
            "networks": 8,
            "sub_icbs": 2,
            "programme_networks": 2,
        }
        cfg = synth.SynthConfig(**{k: v for k, v in wanted.items() if not fields or k in fields})
        synth.generate(extract, cfg)
    say("Ingesting the extract into a snapshot")
    _call(ingest.ingest, extract, workspace=ws.root)
    say("Running every indicator over monthly reporting dates (this takes a few minutes)")
    dates = f"monthly:{DEMO_START:%Y-%m}..{DEMO_END:%Y-%m}"
    try:
        _call(engine.run, ws, dates=dates, backend="duckdb")
    except Exception as exc:  # noqa: BLE001 - the dashboard needs results, not worklists
        say(f"The run with worklists failed ({type(exc).__name__}); running again without worklists")
        _call(engine.run, ws, dates=dates, backend="duckdb", worklists=False)
    return ws
