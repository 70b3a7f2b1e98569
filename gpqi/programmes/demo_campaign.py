"""The demo's campaign: "Flu 2025/26: 65 and over", active, with weekly results.

- The weekly series: `gpqi run --indicators flu-65 --series campaign-flu-2025
  --dates weekly:2025-09-07..2026-03-29` (each Sunday, the week ending; a no-op when already
  computed for the snapshot). flu-65 counts vaccinations since 1 September, so each week's figure
  is the season's cumulative uptake on that day.
- The campaign: 1 September 2025 (the start of the flu season in the indicator) to 31 March
  2026; target 75%, the WHO coverage goal for people aged 65 and over that England has long used
  as its flu ambition for this cohort (the flu-65 library target); reached by 28 February 2026,
  the end of UKHSA's GP-patient uptake collection for the season (its published figures run
  1 September to the end of February), so the trajectory ends where the national figure is
  measured.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from gpqi.engine import run
from gpqi.engine.dates import parse_dates
from gpqi.programmes.results_only import write_weekly_series
from gpqi.workspace import Workspace

SERIES = "campaign-flu-2025"
WEEKS = "weekly:2025-09-07..2026-03-29"


def build_series(ws: Workspace, say: Callable[[str], None]) -> None:
    """Compute (or reuse) the campaign's weekly series from the current snapshot."""
    if ws.current_snapshot_id() is None:
        say("No snapshot: the flu campaign has no weekly series")
        return
    manifest = json.loads((ws.current_snapshot() / "manifest.json").read_text(encoding="utf-8"))
    if manifest.get("kind") == "results-only":  # no patients to search: counts synthesised
        if not ws.series_results_path(SERIES).exists():
            rows = write_weekly_series(ws, SERIES, "flu-65", parse_dates(WEEKS), dt.date(2025, 9, 1))
            say(f"Weekly flu series synthesised for the results-only programme: {rows:,} rows")
        return
    outcome = run(ws, ["flu-65"], dates=WEEKS, series=SERIES)
    if outcome.computed:
        say(f"Weekly flu series computed: {outcome.info['timings_seconds']['total']:.1f} s")
