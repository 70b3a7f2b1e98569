"""Position against peers: for each of a few measures, one row with the peers' middle half (lower
to upper quartile) as a grey bar, their median as a black tick, an optional goal as a red ring and
the practice as a dark diamond. Rows stay in the order given (the caller's order means something:
most to gain first, or booking lead time from the same day to more than four weeks), and their
labels are wrapped over lines rather than cut short, narrower on a phone."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from gpqi.charts import palette as pal
from gpqi.charts._spec import base, fmt, frame, percent_axis, records

WIDE_WRAP, NARROW_WRAP = 40, 24  # characters per label line at laptop and phone widths
NARROW = 480  # pixels: below this chart width the labels wrap narrower


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [text]


def position_chart(
    rows: Iterable[Mapping[str, Any]],
    *,
    label: str,
    peer_group: str = "practices with an agreement",
    title: str | None = None,
    value_title: str = "Value",
    width: int | str = 640,
    row_height: int | None = None,
) -> dict[str, Any]:
    """`rows`: key (unique), measure (its label), practice, median, q1, q3 and optionally goal,
    one per measure, in the order to draw them."""
    df = frame(list(rows), ["key", "measure", "practice", "median", "q1", "q3"], "position_chart")
    if "goal" not in df.columns:
        df["goal"] = None
    keys = [str(k) for k in df["key"]]
    df["key"] = keys
    values = [v for c in ("practice", "median", "q1", "q3", "goal") for v in df[c].tolist() if v is not None]
    x_axis = percent_axis(values, {"title": value_title, "grid": True}, along="x")
    wide = {k: _lines(m, WIDE_WRAP) for k, m in zip(keys, df["measure"], strict=True)}
    narrow = {k: _lines(m, NARROW_WRAP) for k, m in zip(keys, df["measure"], strict=True)}
    # room for the longest label: the phone's wrap has the most lines
    row_height = row_height or max(34, 15 * max((len(v) for v in narrow.values()), default=1) + 10)
    y = {
        "field": "key",
        "type": "nominal",
        "title": None,
        "sort": keys,
        "axis": {
            "labelExpr": f"width < {NARROW} ? {json.dumps(narrow)}[datum.value] : {json.dumps(wide)}[datum.value]",
            "labelLimit": 0,
            "labelFontSize": 12,
            "labelPadding": 6,
            "ticks": False,
            "domain": False,
        },
    }
    data = records(df, ["key", "measure", "practice", "median", "q1", "q3", "goal"])
    for r in data:
        r["practice_label"] = label
    legend = {
        "domain": [label, "Peer median", "Middle half of peers", "Goal"],
        "range": [pal.NHS_DARK_BLUE, pal.NHS_BLACK, pal.NHS_GREY_3, pal.NHS_RED],
    }
    has_goal = any(r["goal"] is not None for r in data)
    if not has_goal:
        legend = {k: v[:3] for k, v in legend.items()}
    shapes = {
        "domain": legend["domain"],
        # the median's upright tick as a path: Vega has no "stroke" symbol for a point
        "range": ["diamond", "M-0.25,-1H0.25V1H-0.25Z", "square", "circle"][: len(legend["domain"])],
    }
    colour = {
        "type": "nominal",
        "title": None,
        "scale": legend,
        "legend": {"labelLimit": 0, "orient": "bottom"},
    }
    shape = {"type": "nominal", "title": None, "scale": shapes}
    tooltip = [
        {"field": "measure", "title": "Measure"},
        {"field": "practice", "title": label, "type": "quantitative", "format": ".1%"},
        {"field": "median", "title": "Peer median", "type": "quantitative", "format": ".1%"},
        {"field": "q1", "title": "Peer lower quartile", "type": "quantitative", "format": ".1%"},
        {"field": "q3", "title": "Peer upper quartile", "type": "quantitative", "format": ".1%"},
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "bar", "height": 12, "cornerRadius": 2},
            "transform": [{"calculate": "'Middle half of peers'", "as": "series"}],
            "encoding": {
                "y": y,
                "x": {"field": "q1", "type": "quantitative", "axis": x_axis, "scale": {"zero": False}},
                "x2": {"field": "q3"},
                "color": {**colour, "field": "series"},
                "tooltip": tooltip,
            },
        },
        {
            "mark": {"type": "tick", "thickness": 3, "size": 22},
            "transform": [{"calculate": "'Peer median'", "as": "series"}],
            "encoding": {
                "y": y,
                "x": {"field": "median", "type": "quantitative"},
                "color": {**colour, "field": "series"},
                "tooltip": tooltip,
            },
        },
    ]
    if has_goal:
        layers.append(
            {
                "mark": {"type": "point", "shape": "circle", "filled": False, "strokeWidth": 2, "size": 110},
                "transform": [{"filter": "datum.goal != null"}, {"calculate": "'Goal'", "as": "series"}],
                "encoding": {
                    "y": y,
                    "x": {"field": "goal", "type": "quantitative"},
                    "color": {**colour, "field": "series"},
                    "tooltip": [{"field": "measure"}, {"field": "goal", "title": "Goal", "format": ".1%"}],
                },
            }
        )
    layers.append(
        {
            "mark": {
                "type": "point",
                "filled": True,
                "stroke": "white",
                "strokeWidth": 1,
                "size": 150,
                "opacity": 1,
            },
            "transform": [
                {"filter": "datum.practice != null"},
                {"calculate": "datum.practice_label", "as": "series"},
            ],
            "encoding": {
                "y": y,
                "x": {"field": "practice", "type": "quantitative"},
                "color": {**colour, "field": "series"},
                "shape": {**shape, "field": "series"},
                "tooltip": tooltip,
            },
        }
    )
    described = "; ".join(
        f"{r['measure']}: {fmt(r['practice'], '.1%')} against a peer median of {fmt(r['median'], '.1%')} "
        f"(middle half {fmt(r['q1'], '.1%')} to {fmt(r['q3'], '.1%')})"
        for r in data
    )
    description = f"{label} against {peer_group}{' for ' + title if title else ''}: {described}."
    return base(
        description,
        title,
        width,
        {"step": row_height},
        "position",
        data={"values": data},
        layer=layers,
    )
