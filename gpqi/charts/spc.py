"""Making Data Count SPC chart (XmR, p or Laney p'): the values joined by a grey line, the mean
(black) and process limits (grey, dashed) for each rebased group, an optional target (red,
dashed), points coloured and shaped by their point type, the variation and assurance icons in
the top right corner, the chart type named in the top left, and each rebase (limits recalculated)
drawn as a labelled vertical line.

The icons are drawn in the spec itself (a coloured ring with H/L for variation, P/F/? for
assurance, and a caption) so the PNG for a report carries them too; their names
(`usermeta.gpqi.variation_icon`, `assurance_icon`) let a page show the official images instead.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from gpqi.charts import palette as pal
from gpqi.charts._spec import base, fmt, frame, percent_axis, records, time_axis, whole_legend
from gpqi.stats import SpcResult, variation_icon

VARIATION_ICONS: dict[str, tuple[str, str, str]] = {  # icon -> (colour, letter, caption)
    "common_cause": (pal.MDC_COMMON, "~", "Common cause"),
    "improvement_high": (pal.MDC_IMPROVEMENT, "H", "Improvement: high"),
    "improvement_low": (pal.MDC_IMPROVEMENT, "L", "Improvement: low"),
    "concern_high": (pal.MDC_CONCERN, "H", "Concern: high"),
    "concern_low": (pal.MDC_CONCERN, "L", "Concern: low"),
    "neutral_high": (pal.MDC_NEUTRAL, "H", "Special cause: high"),
    "neutral_low": (pal.MDC_NEUTRAL, "L", "Special cause: low"),
}
ASSURANCE_ICONS: dict[str, tuple[str, str, str]] = {
    "pass": (pal.MDC_IMPROVEMENT, "P", "Consistently passes target"),
    "fail": (pal.MDC_CONCERN, "F", "Consistently fails target"),
    "inconsistent": (pal.MDC_COMMON, "?", "Hit and miss target"),
}
ICON_SPACING = 150  # pixels between icon centres: room for the captions
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _is_dated(values: pd.Series) -> bool:
    """Dates, datetimes or ISO date strings ("2026-03-31"): drawn on a time axis."""
    sample = values.dropna()
    if pd.api.types.is_datetime64_any_dtype(values) or (len(sample) and hasattr(sample.iloc[0], "isoformat")):
        return True
    return bool(len(sample)) and all(isinstance(v, str) and ISO_DATE.match(v) for v in sample.head(5))


def _x_encoding(df: pd.DataFrame, x: str, title: str | None) -> dict[str, Any]:
    if _is_dated(df[x]):
        return {"field": x, "type": "temporal", "title": title, "axis": time_axis()}
    if pd.api.types.is_numeric_dtype(df[x]):
        return {"field": x, "type": "quantitative", "title": title}
    return {"field": x, "type": "ordinal", "title": title, "sort": None}


ICON_BAND = 0.2  # share of the plot's height above the data kept clear for the icons


def _headroom(extent: list[Any]) -> dict[str, Any]:
    """A y domain whose top fifth holds no data, so the variation and assurance icons drawn
    there (and their captions) never sit on the latest points of a series that ends high."""
    finite = [float(v) for v in extent if v is not None and math.isfinite(float(v))]
    if not finite:
        return {}
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or max(abs(hi), 1e-6) * 0.1
    lo -= span * 0.03  # the lowest point clear of the axis
    return {"domain": [lo, hi + (hi - lo) * ICON_BAND / (1 - ICON_BAND)], "nice": False}


def _icon_layers(icons: list[tuple[str, tuple[str, str, str]]]) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for slot, (name, (colour, letter, caption)) in enumerate(reversed(icons)):
        x = {"expr": f"width - {70 + slot * ICON_SPACING}"}
        datum = [{"icon": name, "letter": letter, "caption": caption}]
        layers += [
            {
                "data": {"values": datum},
                "mark": {
                    "type": "point",
                    "shape": "circle",
                    "filled": True,
                    "fill": "white",
                    "stroke": colour,
                    "strokeWidth": 4,
                },
                "encoding": {
                    "x": {"value": x},
                    "y": {"value": 18},
                    "size": {"value": 900},
                    "tooltip": {"field": "caption"},
                },
            },
            {
                "data": {"values": datum},
                "mark": {
                    "type": "text",
                    "fontSize": 16,
                    "fontWeight": "bold",
                    "color": colour if colour != pal.MDC_COMMON else pal.NHS_GREY_1,
                },
                "encoding": {"x": {"value": x}, "y": {"value": 19}, "text": {"field": "letter"}},
            },
            {
                "data": {"values": datum},
                "mark": {"type": "text", "fontSize": 10, "color": pal.NHS_BLACK, "baseline": "top"},
                "encoding": {"x": {"value": x}, "y": {"value": 38}, "text": {"field": "caption"}},
            },
        ]
    return layers


def spc_chart(
    data: pd.DataFrame | SpcResult | Iterable[Mapping[str, Any]],
    *,
    x: str = "date",
    improvement: str | None = None,
    target: float | None = None,
    variation_icon_name: str | None = None,
    assurance_icon_name: str | None = None,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str = "Value",
    value_format: str = ".0%",
    width: int | str = 640,
    height: int | str = 340,
    chart_label: str | None = None,
    rebase: list[Any] | None = None,
) -> dict[str, Any]:
    """`data`: a `gpqi.stats.spc(...)` result (its table index gives x) or its table with an `x`
    column: value, mean, lpl, upl, point_type and optionally group. With a result, improvement,
    target, both icons and the chart type come from it unless given. `rebase`: the x values
    where limits were recalculated."""
    if isinstance(data, SpcResult):
        chart_label = chart_label or data.chart_label
        improvement = improvement or data.improvement
        target = data.target if target is None else target
        variation_icon_name = variation_icon_name or data.variation_icon
        assurance_icon_name = assurance_icon_name or data.assurance_icon
        data = data.table
    df = frame(data, ["value", "mean", "lpl", "upl", "point_type"], "spc_chart")
    if x not in df.columns:
        df = df.rename_axis(x).reset_index()
    if "group" not in df.columns:
        df["group"] = 0
    improvement = improvement or "increase"
    present = df[df["value"].notna()]
    if variation_icon_name is None and len(present):
        variation_icon_name = variation_icon(present["point_type"].iloc[-1], improvement)
    df["type"] = df["point_type"].map(pal.POINT_TYPE_LABELS)
    order = [t for t in pal.POINT_TYPE_LABELS if t in set(df["point_type"].dropna())] or ["common_cause"]
    x_enc = _x_encoding(df, x, x_title)
    extent = [v for c in ("value", "lpl", "upl") for v in df[c].tolist()] + (
        [target] if target is not None else []
    )
    y_enc = {
        "type": "quantitative",
        "title": y_title,
        "axis": percent_axis(extent) if value_format.endswith("%") else {"format": value_format},
        "scale": {"zero": False, **_headroom(extent)},
    }

    special = int(present["point_type"].ne("common_cause").sum())
    latest = present.iloc[-1] if len(present) else None
    description = f"Statistical process control chart{' of ' + title if title else ''}: {len(present)} points"
    if latest is not None:
        description += (
            f", latest {fmt(float(latest['value']), value_format)} against a mean of "
            f"{fmt(float(latest['mean']), value_format)} with process limits {fmt(float(latest['lpl']), value_format)} "
            f"to {fmt(float(latest['upl']), value_format)}; {special} points show special cause variation."
        )
    icons: list[tuple[str, tuple[str, str, str]]] = []
    if variation_icon_name in VARIATION_ICONS:
        icons.append((variation_icon_name, VARIATION_ICONS[variation_icon_name]))
        description += f" Variation: {VARIATION_ICONS[variation_icon_name][2].lower()}."
    if assurance_icon_name in ASSURANCE_ICONS:
        icons.append((assurance_icon_name, ASSURANCE_ICONS[assurance_icon_name]))
        description += f" Assurance: {ASSURANCE_ICONS[assurance_icon_name][2].lower()}."
    if target is not None:
        description += f" Target {fmt(target, value_format)}."
    if chart_label:
        description = f"{chart_label}. " + description
    rebase = [r for r in (rebase or []) if r in set(df[x])]
    if rebase:
        description += " Limits recalculated at " + ", ".join(str(r) for r in rebase) + "."

    rows = records(df, [x, "value", "mean", "lpl", "upl", "group", "point_type", "type"])
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": rows},
            "mark": {"type": "line", "color": pal.MDC_COMMON, "strokeWidth": 1.5},
            "encoding": {"x": x_enc, "y": {**y_enc, "field": "value"}},
        },
        {
            "data": {"values": rows},
            "mark": {"type": "line", "color": pal.MDC_MEAN, "strokeWidth": 1.5},
            "encoding": {
                "x": x_enc,
                "y": {"field": "mean", "type": "quantitative"},
                "detail": {"field": "group"},
            },
        },
        *[
            {
                "data": {"values": rows},
                "mark": {"type": "line", "color": pal.NHS_GREY_1, "strokeDash": [6, 4], "strokeWidth": 1.5},
                "encoding": {
                    "x": x_enc,
                    "y": {"field": limit, "type": "quantitative"},
                    "detail": {"field": "group"},
                },
            }
            for limit in ("lpl", "upl")
        ],
    ]
    if target is not None:
        layers.append(
            {
                "data": {"values": [{"target": target, "label": "Target"}]},
                "mark": {"type": "rule", "color": pal.MDC_TARGET, "strokeDash": [3, 3], "strokeWidth": 2},
                "encoding": {"y": {"field": "target", "type": "quantitative"}},
            }
        )
    layers.append(
        {
            "data": {"values": [r for r in rows if r["value"] is not None]},
            "mark": {
                "type": "point",
                "filled": True,
                "size": 70,
                "stroke": pal.OUTLINE,
                "strokeWidth": 0.75,
                "opacity": 1,
            },
            "encoding": {
                "x": x_enc,
                "y": {**y_enc, "field": "value"},
                "color": {
                    "field": "type",
                    "type": "nominal",
                    "title": "Variation",
                    "legend": whole_legend(),
                    "scale": {
                        "domain": [pal.POINT_TYPE_LABELS[t] for t in order],
                        "range": [pal.POINT_TYPE_COLOURS[t] for t in order],
                    },
                },
                "shape": {
                    "field": "type",
                    "type": "nominal",
                    "scale": {
                        "domain": [pal.POINT_TYPE_LABELS[t] for t in order],
                        "range": [pal.POINT_TYPE_SHAPES[t] for t in order],
                    },
                },
                "tooltip": [
                    {
                        "field": x,
                        "title": x_title or x.replace("_", " ").capitalize(),
                        **({"type": "temporal", "format": "%b %Y"} if x_enc["type"] == "temporal" else {}),
                    },
                    {"field": "value", "title": y_title, "type": "quantitative", "format": value_format},
                    {"field": "mean", "title": "Mean", "type": "quantitative", "format": value_format},
                    {"field": "type", "title": "Variation"},
                ],
            },
        }
    )
    if rebase:
        marks = [{x: r, "label": "Limits recalculated"} for r in rebase]
        layers += [
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "color": pal.NHS_BLACK, "strokeDash": [2, 2], "strokeWidth": 1.5},
                "encoding": {"x": x_enc},
            },
            {
                "data": {"values": marks},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 4,
                    "dy": 8,
                    "fontSize": 11,
                    "color": pal.NHS_BLACK,
                    # no room on a phone's chart beside the icons: the rule stays, and the page
                    # and the description say where the limits were recalculated
                    "opacity": {"expr": "width < 480 ? 0 : 1"},
                },
                "encoding": {"x": x_enc, "y": {"value": 0}, "text": {"field": "label"}},
            },
        ]
    if chart_label:
        layers.append(
            {
                "data": {"values": [{"chart": chart_label}]},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "top",
                    "fontSize": 12,
                    "fontWeight": "bold",
                },
                "encoding": {"x": {"value": 4}, "y": {"value": -18}, "text": {"field": "chart"}},
            }
        )
    layers += _icon_layers(icons)
    spec = base(description, title, width, height, "spc", layer=layers)
    spec["usermeta"]["gpqi"].update(
        {
            "improvement": improvement,
            "chart_type": chart_label,
            "rebase": rebase,
            "variation_icon": variation_icon_name,
            "assurance_icon": assurance_icon_name,
        }
    )
    return spec
