"""A practice over time against its peers: the peer group's 10th-90th percentile band shaded,
each decile a thin dashed line, the median solid, and the practice as a red line with dots
(the OpenPrescribing picture, peer group of the user's choosing)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from gpqi.charts import palette as pal
from gpqi.charts._spec import base, fmt, frame, percent_axis, records, time_axis, whole_legend


def trend_chart(
    practice: pd.DataFrame | Iterable[Mapping[str, Any]],
    deciles: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    label: str = "Your practice",
    peer_group: str = "peers",
    title: str | None = None,
    y_title: str = "Proportion",
    value_format: str = ".0%",
    width: int | str = 640,
    height: int | str = 320,
) -> dict[str, Any]:
    """`practice`: date and value. `deciles`: date, percentile (10 ... 90) and value, e.g. from
    `gpqi.stats.deciles` at each date."""
    own = frame(practice, ["date", "value"], "trend_chart practice")
    dec = frame(deciles, ["date", "percentile", "value"], "trend_chart deciles")
    for df in (own, dec):
        df["date"] = pd.to_datetime(df["date"])
    dec["percentile"] = dec["percentile"].astype(int)
    band = dec.pivot_table(index="date", columns="percentile", values="value").reset_index()
    band_rows = []
    if {10, 90}.issubset(band.columns):
        band_rows = records(band.rename(columns={10: "p10", 90: "p90"}), ["date", "p10", "p90"])
    dec["line"] = ["Peer median" if p == 50 else "Peer deciles" for p in dec["percentile"]]
    own["series"] = label
    own_present = own[own["value"].notna()]
    description = (
        f"Trend{' of ' + title if title else ''}: {label} by month against the deciles of its {peer_group}"
    )
    if len(own_present):
        last = own_present.iloc[-1]
        med = dec[(dec["date"] == last["date"]) & (dec["percentile"] == 50)]["value"]
        description += f"; latest {fmt(float(last['value']), value_format)}"
        if len(med):
            description += f" against a peer median of {fmt(float(med.iloc[0]), value_format)}"
    description += "."
    x = {"field": "date", "type": "temporal", "title": None, "axis": time_axis()}
    extent = own["value"].tolist() + dec["value"].tolist()
    y_axis = {
        "title": y_title,
        **(percent_axis(extent) if value_format.endswith("%") else {"format": value_format}),
    }
    legend_scale = {
        "domain": ["Peer deciles", "Peer median", label],
        "range": [pal.NHS_BLUE, pal.NHS_DARK_BLUE, pal.NHS_RED],
    }
    return base(
        description,
        title,
        width,
        height,
        "trend",
        layer=[
            {
                "data": {"values": band_rows},
                "mark": {"type": "area", "color": pal.NHS_BLUE, "opacity": 0.12},
                "encoding": {
                    "x": x,
                    "y": {"field": "p10", "type": "quantitative", "axis": y_axis},
                    "y2": {"field": "p90"},
                },
            },
            {
                "data": {"values": records(dec, ["date", "percentile", "value", "line"])},
                "mark": {"type": "line"},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "axis": y_axis},
                    "detail": {"field": "percentile"},
                    "color": {
                        "field": "line",
                        "type": "nominal",
                        "title": None,
                        "scale": legend_scale,
                        "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3, **whole_legend()},
                    },
                    "strokeDash": {
                        "field": "line",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": ["Peer deciles", "Peer median"], "range": [[4, 3], [1, 0]]},
                        "legend": None,
                    },
                    "strokeWidth": {
                        "field": "line",
                        "type": "nominal",
                        "scale": {"domain": ["Peer deciles", "Peer median"], "range": [1, 2.5]},
                        "legend": None,
                    },
                    "opacity": {"value": 0.8},
                },
            },
            {
                "data": {"values": records(own, ["date", "value", "series"])},
                "mark": {
                    "type": "line",
                    "point": {"filled": True, "size": 45, "stroke": pal.OUTLINE, "strokeWidth": 0.5},
                    "strokeWidth": 2.5,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "axis": y_axis},
                    "color": {"field": "series", "type": "nominal", "title": None, "scale": legend_scale},
                    "tooltip": [
                        {"field": "date", "type": "temporal", "format": "%b %Y", "title": "Month"},
                        {"field": "value", "type": "quantitative", "format": value_format, "title": label},
                    ],
                },
            },
        ],
    )
