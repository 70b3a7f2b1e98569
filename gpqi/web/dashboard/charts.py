"""Chart specs for the dashboard's pages (Vega-Lite v5 dicts), from page data that is already
filtered and disclosed. The browser draws them with vega-embed; downloads render the same spec
to PNG/SVG with vl-convert (`render`).

gpqi.charts (issue 4) is to own the shared chart builders; these are the dashboard's INTERIM
specs until it lands (then each function here becomes a call to the matching builder). Every
spec carries a `description` for screen readers, and where colour carries meaning a shape does
too (the own practice is a larger diamond; outliers are triangles).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from gpqi.web import statsapi as stats
from gpqi.web.catalogue import IndicatorMeta

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
NHS_BLUE, GREY, ORANGE, PURPLE, DARK = "#005eb8", "#768692", "#ed8b00", "#330072", "#212b32"
MDC_COLOURS = {  # Making Data Count: common cause grey, improvement blue, concern orange, neutral purple
    "common_cause": "#a6a6a6",
    "special_cause_improvement": "#00b0f0",
    "special_cause_concern": "#e46c0a",
    "special_cause_neutral_high": "#490092",
    "special_cause_neutral_low": "#490092",
}
_PCT = {"format": ".0%"}


def _num(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return float(v)


def _base(description: str, **extra: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": 320,
        "config": {"font": "Arial", "axis": {"labelFontSize": 12, "titleFontSize": 13}},
        **extra,
    }


def render(spec: dict[str, Any], fmt: str) -> bytes:
    """PNG or SVG bytes of a spec (server side, for downloads)."""
    try:
        from gpqi.charts import render as shared_render

        return shared_render(spec, fmt)
    except ImportError:
        import vl_convert as vlc

        spec = {**spec, "width": 720 if spec.get("width") == "container" else spec.get("width", 720)}
        if fmt == "png":
            return vlc.vegalite_to_png(spec, scale=2)
        return vlc.vegalite_to_svg(spec).encode("utf-8")


def funnel_chart(
    shown: pd.DataFrame, funnel: Any, method: str, meta: IndicatorMeta, focus: set[str]
) -> dict[str, Any]:
    points = [
        {
            "practice": r["label"],
            "denominator": _num(r["denominator"]),
            "value": _num(r["value"]),
            "group": "Your practice"
            if r["org_code"] in focus
            else {"high": "Above 99.8% limit", "low": "Below 99.8% limit"}.get(
                r["outlier_998"], "Within limits"
            ),
        }
        for r in shown.to_dict("records")
    ]
    dens = shown["denominator"].to_numpy(dtype="float64")
    lines: list[dict[str, Any]] = []
    if len(dens):
        n = np.unique(np.geomspace(max(1.0, dens.min() * 0.8), dens.max() * 1.1, 60).round())
        lim = stats.funnel_limits(n, funnel.target, method, tau2=float(getattr(funnel, "tau2", 0.0) or 0.0))
        for r in lim.to_dict("records"):
            for col, name in (
                ("lower_95", "95% limits"),
                ("upper_95", "95% limits"),
                ("lower_998", "99.8% limits"),
                ("upper_998", "99.8% limits"),
            ):
                lines.append(
                    {"denominator": float(r["denominator"]), "limit": _num(r[col]), "band": name, "side": col}
                )
    desc = (
        f"Funnel plot of {meta.title}: {len(points)} practices by denominator and value, with control limits "
        f"around the programme value of {funnel.target:.1%}."
    )
    return _base(
        desc,
        layer=[
            {
                "data": {"values": lines},
                "mark": {"type": "line", "strokeDash": [4, 3]},
                "encoding": {
                    "x": {"field": "denominator", "type": "quantitative", "title": "Denominator"},
                    "y": {"field": "limit", "type": "quantitative", "axis": _PCT},
                    "detail": {"field": "side"},
                    "color": {
                        "field": "band",
                        "type": "nominal",
                        "title": "Limits",
                        "scale": {"range": [GREY, DARK]},
                    },
                },
            },
            {
                "data": {"values": [{"target": funnel.target}]},
                "mark": {"type": "rule", "color": DARK},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "opacity": 0.85},
                "encoding": {
                    "x": {"field": "denominator", "type": "quantitative"},
                    "y": {"field": "value", "type": "quantitative", "title": "Value", "axis": _PCT},
                    "shape": {
                        "field": "group",
                        "type": "nominal",
                        "title": "Practice",
                        "scale": {
                            "domain": [
                                "Your practice",
                                "Above 99.8% limit",
                                "Below 99.8% limit",
                                "Within limits",
                            ],
                            "range": ["diamond", "triangle-up", "triangle-down", "circle"],
                        },
                    },
                    "fill": {
                        "field": "group",
                        "type": "nominal",
                        "legend": None,
                        "scale": {
                            "domain": [
                                "Your practice",
                                "Above 99.8% limit",
                                "Below 99.8% limit",
                                "Within limits",
                            ],
                            "range": [ORANGE, NHS_BLUE, NHS_BLUE, GREY],
                        },
                    },
                    "size": {
                        "condition": {"test": "datum.group === 'Your practice'", "value": 160},
                        "value": 40,
                    },
                    "tooltip": [
                        {"field": "practice"},
                        {"field": "denominator"},
                        {"field": "value", "format": ".1%"},
                    ],
                },
            },
        ],
        resolve={"scale": {"color": "independent"}},
    )


def caterpillar_chart(order: pd.DataFrame, meta: IndicatorMeta, focus: set[str]) -> dict[str, Any]:
    rows = [
        {
            "rank": i + 1,
            "practice": r["label"],
            "value": _num(r["value"]),
            "lower": _num(r["ci_low"]),
            "upper": _num(r["ci_high"]),
            "group": "Your practice" if r["org_code"] in focus else "Other practices",
        }
        for i, r in enumerate(order.to_dict("records"))
    ]
    enc_x = {"field": "rank", "type": "quantitative", "title": "Rank"}
    scale = {"domain": ["Your practice", "Other practices"], "range": [ORANGE, NHS_BLUE]}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule"},
            "encoding": {
                "x": enc_x,
                "y": {"field": "lower", "type": "quantitative", "axis": _PCT, "title": "Value (95% CI)"},
                "y2": {"field": "upper"},
                "color": {"field": "group", "type": "nominal", "scale": scale, "title": "Practice"},
            },
        },
        {
            "mark": {"type": "point", "filled": True},
            "encoding": {
                "x": enc_x,
                "y": {"field": "value", "type": "quantitative"},
                "shape": {
                    "field": "group",
                    "type": "nominal",
                    "scale": {"domain": scale["domain"], "range": ["diamond", "circle"]},
                },
                "color": {"field": "group", "type": "nominal", "scale": scale},
                "tooltip": [{"field": "practice"}, {"field": "value", "format": ".1%"}],
            },
        },
    ]
    if meta.target is not None:
        layers.append(
            {
                "data": {"values": [{"target": meta.target}]},
                "mark": {"type": "rule", "strokeDash": [6, 3], "color": DARK},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            }
        )
    return _base(
        f"League table of {meta.title}: {len(rows)} practices ranked by value with 95% confidence intervals.",
        data={"values": rows},
        layer=layers,
    )


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
    rows = []
    for frame, sizes, d in ((then, sizes_then, d_then), (now, sizes_now, d_now)):
        for r in frame[~frame["redacted"] & (frame["denominator"] > 0)].to_dict("records"):
            rows.append(
                {
                    "practice": r["label"],
                    "date": d.strftime("%b %Y"),
                    "value": _num(r["value"]),
                    "list_size": int(sizes.get(r["org_code"], 0)),
                    "group": "Your practice" if r["org_code"] in focus else "Other practices",
                }
            )
    return _base(
        f"Distribution of practices' {meta.title} at {d_then:%B %Y} and {d_now:%B %Y}; each circle is a practice, sized by list size.",
        data={"values": rows},
        height=220,
        transform=[{"calculate": "random()", "as": "jitter"}],
        mark={"type": "circle", "opacity": 0.6},
        encoding={
            "x": {"field": "value", "type": "quantitative", "title": "Value", "axis": _PCT},
            "y": {
                "field": "date",
                "type": "nominal",
                "title": None,
                "sort": [d_then.strftime("%b %Y"), d_now.strftime("%b %Y")],
            },
            "yOffset": {"field": "jitter", "type": "quantitative"},
            "size": {"field": "list_size", "type": "quantitative", "title": "List size"},
            "color": {
                "field": "group",
                "type": "nominal",
                "title": "Practice",
                "scale": {"domain": ["Your practice", "Other practices"], "range": [ORANGE, NHS_BLUE]},
            },
            "tooltip": [{"field": "practice"}, {"field": "value", "format": ".1%"}, {"field": "list_size"}],
        },
    )


def spc_chart(table: pd.DataFrame, meta: IndicatorMeta, label: str, result: Any) -> dict[str, Any]:
    rows = [
        {
            "date": d.isoformat(),
            "value": _num(r["value"]),
            "mean": _num(r["mean"]),
            "lpl": _num(r["lpl"]),
            "upl": _num(r["upl"]),
            "point": str(r["point_type"]).replace("_", " "),
        }
        for d, r in zip(table["reporting_date"], table.to_dict("records"), strict=True)
    ]
    x = {"field": "date", "type": "temporal", "title": "Reporting date"}
    domain = [k.replace("_", " ") for k in MDC_COLOURS]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "color": GREY},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "axis": _PCT, "title": "Value"},
            },
        },
        {
            "mark": {"type": "line", "color": DARK},
            "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative"}},
        },
        {
            "mark": {"type": "line", "color": DARK, "strokeDash": [4, 3]},
            "encoding": {"x": x, "y": {"field": "upl", "type": "quantitative"}},
        },
        {
            "mark": {"type": "line", "color": DARK, "strokeDash": [4, 3]},
            "encoding": {"x": x, "y": {"field": "lpl", "type": "quantitative"}},
        },
        {
            "mark": {"type": "point", "filled": True, "size": 30},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": {
                    "field": "point",
                    "type": "nominal",
                    "title": "Variation",
                    "scale": {"domain": domain, "range": list(MDC_COLOURS.values())},
                },
                "shape": {
                    "field": "point",
                    "type": "nominal",
                    "scale": {
                        "domain": domain,
                        "range": ["circle", "triangle-up", "triangle-down", "square", "square"],
                    },
                },
                "tooltip": [
                    {"field": "date", "type": "temporal"},
                    {"field": "value", "format": ".1%"},
                    {"field": "point"},
                ],
            },
        },
    ]
    if meta.target is not None:
        layers.append(
            {
                "data": {"values": [{"target": meta.target}]},
                "mark": {"type": "rule", "color": ORANGE, "strokeDash": [8, 4]},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            }
        )
    return _base(
        f"Statistical process control chart of {meta.title} for {label}: {len(rows)} monthly points with mean and process limits.",
        data={"values": rows},
        layer=layers,
    )


def operational_chart(rows: list[dict[str, Any]], practice_label: str) -> dict[str, Any]:
    data = [{**r, "practice_label": practice_label} for r in rows]
    y = {"field": "measure", "type": "nominal", "title": None}
    return _base(
        f"Did-not-attend rates for {practice_label} (diamonds) against the peer median (bars) and interquartile range.",
        data={"values": data},
        height={"step": 28},
        layer=[
            {
                "mark": {"type": "rule", "color": GREY, "strokeWidth": 6},
                "encoding": {
                    "y": y,
                    "x": {"field": "q1", "type": "quantitative", "axis": _PCT, "title": "Rate"},
                    "x2": {"field": "q3"},
                },
            },
            {
                "mark": {"type": "tick", "color": DARK, "thickness": 2},
                "encoding": {"y": y, "x": {"field": "median", "type": "quantitative"}},
            },
            {
                "mark": {"type": "point", "shape": "diamond", "filled": True, "color": ORANGE, "size": 120},
                "encoding": {
                    "y": y,
                    "x": {"field": "practice", "type": "quantitative"},
                    "tooltip": [{"field": "measure"}, {"field": "practice", "format": ".1%"}],
                },
            },
        ],
    )
