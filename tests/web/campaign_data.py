"""A weekly campaign series for the web tests: eight weeks of flu-65 counts per practice written
to the test workspace's `results/series/campaign-test/results.parquet` (the engine's RESULTS
schema; the engine's own series writing is tested in tests/engine/test_series.py), and an
active campaign reading it.

The counts are chosen so the rules can be seen: the clinician's practice (codes[0]) is behind
its trajectory, the named peer ahead, and the anonymous peer so small that its counts are
suppressed for everyone outside it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa

SERIES = "campaign-test"
START, END, REACH_BY = dt.date(2025, 10, 1), dt.date(2026, 3, 31), dt.date(2025, 12, 31)
WEEKS = [dt.date(2025, 10, 5) + dt.timedelta(days=7 * i) for i in range(8)]
TARGET = 0.75


def counts(codes: list[str], anonymous_peer: str) -> pd.DataFrame:
    """Practice rows: one per practice and week (cumulative)."""
    rows = []
    for i, code in enumerate(codes):
        den = 12 if code == anonymous_peer else 300 + 40 * i
        weekly_rate = 0.04 if i == 0 else 0.03 + 0.006 * i
        for w, week in enumerate(WEEKS):
            num = min(den, round(den * weekly_rate * (w + 1))) if code != anonymous_peer else min(w, 6)
            rows.append({"org_code": code, "reporting_date": week, "numerator": num, "denominator": den})
    return pd.DataFrame(rows)


def write_series(ws, codes: list[str], anonymous_peer: str) -> pd.DataFrame:  # noqa: ANN001
    from gpqi.engine import store
    from gpqi.engine.schema import RESULTS

    frame = counts(codes, anonymous_peer)
    out = frame.assign(
        indicator_id="flu-65",
        indicator_version="test",
        org_type="practice",
        excluded=0,
        value=frame["numerator"] / frame["denominator"],
    )
    # a programme roll-up row (which the campaign page must not use: it includes every practice)
    prog = frame.groupby("reporting_date")[["numerator", "denominator"]].sum().reset_index()
    prog = prog.assign(
        indicator_id="flu-65",
        indicator_version="test",
        org_type="programme",
        org_code="G1",
        excluded=0,
        value=prog["numerator"] / prog["denominator"],
    )
    table = pa.Table.from_pandas(
        pd.concat([out, prog], ignore_index=True)[[f.name for f in RESULTS]],
        schema=RESULTS,
        preserve_index=False,
    )
    store.write_table(ws.series_results_path(SERIES), table)
    return frame


def create_campaign(**extra):  # noqa: ANN003, ANN201
    from gpqi.web.campaigns.models import Campaign

    fields = {
        "name": "Flu 2025/26: 65 and over",
        "indicator_id": "flu-65",
        "series": SERIES,
        "start": START,
        "end": END,
        "target": TARGET,
        "target_date": REACH_BY,
        "status": Campaign.ACTIVE,
        "tip": "Phone the over-75s who have not booked.",
    }
    fields.update(extra)
    return Campaign.objects.create(**fields)
