"""Chart specs for the dashboard's pages: page data (already filtered and disclosed) shaped
into the tidy rows gpqi.charts' builders take. Specs are plain Vega-Lite dicts; the browser
draws them with vega-embed and downloads render them with gpqi.charts.render."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from gpqi.web.catalogue import IndicatorMeta

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
NHS_BLUE, GREY, ORANGE, DARK = "#005eb8", "#768692", "#ed8b00", "#212b32"


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return float(v)


def funnel_chart(
    shown: pd.DataFrame, funnel: Any, method: str, meta: IndicatorMeta, focus: set[str]
) -> dict[str, Any]:
    from gpqi import charts, stats

    points = [
        {
            "label": r["label"],
            "denominator": _num(r["denominator"]),
            "proportion": _num(r["value"]),
            "highlight": r["org_code"] in focus,
            "outlier": r["outlier_998"] or "within",
        }
        for _, r in shown.iterrows()
    ]
    dens = shown["denominator"].to_numpy(dtype="float64")
    limits = None
    if len(dens):
        n = np.unique(np.geomspace(max(1.0, dens.min() * 0.8), dens.max() * 1.1, 80).round())
        limits = stats.funnel_limits(n, funnel.target, method, tau2=getattr(funnel, "tau2", 0.0) or 0.0)
    return charts.funnel(points, limits, target=float(funnel.target), title=meta.title)


def caterpillar_chart(order: pd.DataFrame, meta: IndicatorMeta, focus: set[str]) -> dict[str, Any]:
    from gpqi import charts

    rows = [
        {
            "label": r["label"],
            "value": _num(r["value"]),
            "lower": _num(r["ci_low"]),
            "upper": _num(r["ci_high"]),
            "highlight": r["org_code"] in focus,
        }
        for _, r in order.iterrows()
    ]
    return charts.caterpillar(rows, target=meta.target, title=meta.title)


def distribution_chart(
    then: pd.DataFrame,
    now: pd.DataFrame,
    sizes_then: dict[str, int],
    sizes_now: dict[str, int],
    d_then: dt.date,
    d_now: dt.date,
    meta: IndicatorMeta,
    focus: set[str],
) -> dict[str, Any]:
    from gpqi import charts

    rows = []
    for frame, sizes, d in ((then, sizes_then, d_then), (now, sizes_now, d_now)):
        for _, r in frame[~frame["redacted"] & (frame["denominator"] > 0)].iterrows():
            rows.append(
                {
                    "label": r["label"],
                    "date": d.isoformat(),
                    "value": _num(r["value"]),
                    "list_size": int(sizes.get(r["org_code"], 0)),
                    "highlight": r["org_code"] in focus,
                }
            )
    return charts.distribution(rows, title=meta.title)


def spc_chart(table: pd.DataFrame, meta: IndicatorMeta, label: str, result: Any) -> dict[str, Any]:
    from gpqi import charts

    return charts.spc(
        result,
        dates=[d.isoformat() for d in table["reporting_date"]],
        title=f"{meta.title}: {label}",
        target=meta.target,
    )


def operational_chart(rows: list[dict[str, Any]], practice_label: str) -> dict[str, Any]:
    from gpqi import charts

    return charts.comparison(rows, practice_label=practice_label)
