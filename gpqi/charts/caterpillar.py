"""Caterpillar plot (league table with confidence intervals): one row per practice, sorted by
value, each with its interval, against the comparator. The order is shown, but the intervals say
how little of it is more than chance: only practices whose whole interval lies to one side of
the comparator are coloured."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from gpqi.charts import palette as pal
from gpqi.charts._spec import (
    HIGHLIGHT,
    base,
    fmt,
    frame,
    highlight_list,
    is_highlighted,
    percent_axis,
    records,
    whole_legend,
)

STATUSES = ("Higher than comparator", "Similar to comparator", "Lower than comparator")
SHAPES = ("triangle-up", "circle", "triangle-down")


def _colours(higher_is_better: bool | None) -> list[str]:
    if higher_is_better is None:
        return [pal.MDC_NEUTRAL, "#ffffff", pal.MDC_NEUTRAL]
    good, bad = pal.MDC_IMPROVEMENT, pal.MDC_CONCERN
    return [good, "#ffffff", bad] if higher_is_better else [bad, "#ffffff", good]


def caterpillar_chart(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    comparator: float | None = None,
    highlight: str | Iterable[str] | None = None,
    higher_is_better: bool | None = True,
    title: str | None = None,
    x_title: str = "Proportion and 95% interval",
    value_format: str = ".0%",
    width: int | str = 560,
    row_height: int = 16,
) -> dict[str, Any]:
    """`data`: label, value, lower, upper (e.g. the Wilson interval), one row per practice."""
    df = frame(data, ["label", "value", "lower", "upper"], "caterpillar_chart")
    df = df[df["value"].notna()].copy()
    df["label"] = df["label"].astype(str)
    df = df.sort_values("value", ascending=False, kind="stable")
    df["rank"] = range(1, len(df) + 1)
    if comparator is None:
        df["status"] = "Similar to comparator"
    else:
        df["status"] = [
            STATUSES[0] if lo > comparator else STATUSES[2] if hi < comparator else STATUSES[1]
            for lo, hi in zip(df["lower"], df["upper"], strict=True)
        ]
    chosen = highlight_list(highlight)
    counts = df["status"].value_counts()
    description = (
        f"League table{' of ' + title if title else ''}: {len(df)} practices ranked from highest to lowest with 95% "
        f"confidence intervals"
    )
    if comparator is not None:
        description += (
            f" against {fmt(comparator, value_format)}; {int(counts.get(STATUSES[0], 0))} are higher and "
            f"{int(counts.get(STATUSES[2], 0))} lower than it beyond chance."
        )
    for label in chosen:
        hit = df[df["label"] == label]
        if len(hit):
            r = hit.iloc[0]
            description += (
                f" {label} ranks {int(r['rank'])} of {len(df)} at {fmt(float(r['value']), value_format)}."
            )
    rows = records(df, ["label", "value", "lower", "upper", "status", "rank"])
    y = {
        "field": "label",
        "type": "nominal",
        "title": None,
        "sort": {"field": "rank", "order": "ascending"},
        "axis": {"labelLimit": 160},
    }
    extent = df["lower"].tolist() + df["upper"].tolist() + ([comparator] if comparator is not None else [])
    axis = percent_axis(extent, along="x") if value_format.endswith("%") else {"format": value_format}
    x = {"type": "quantitative", "title": x_title, "axis": axis, "scale": {"zero": False}}
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": rows},
            "mark": {"type": "rule", "strokeWidth": 2},
            "encoding": {
                "y": y,
                "x": {**x, "field": "lower"},
                "x2": {"field": "upper"},
                "color": {
                    "condition": {"test": is_highlighted(), "value": pal.NHS_BLACK},
                    "value": pal.NHS_GREY_2,
                },
            },
        },
    ]
    if comparator is not None:
        layers.append(
            {
                "data": {"values": [{"comparator": comparator}]},
                "mark": {"type": "rule", "color": pal.NHS_BLACK, "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "comparator", "type": "quantitative"}},
            }
        )
    layers.append(
        {
            "data": {"values": rows},
            "mark": {"type": "point", "filled": True, "stroke": pal.OUTLINE, "opacity": 1},
            "encoding": {
                "y": y,
                "x": {**x, "field": "value"},
                "color": {
                    "field": "status",
                    "type": "nominal",
                    "title": "Against comparator",
                    "scale": {"domain": list(STATUSES), "range": _colours(higher_is_better)},
                    "legend": whole_legend(),
                },
                "shape": {
                    "field": "status",
                    "type": "nominal",
                    "scale": {"domain": list(STATUSES), "range": list(SHAPES)},
                },
                "size": {"condition": {"test": is_highlighted(), "value": 180}, "value": 50},
                "strokeWidth": {"condition": {"test": is_highlighted(), "value": 2.5}, "value": 0.75},
                "tooltip": [
                    {"field": "label", "title": "Practice"},
                    {"field": "rank", "title": "Rank"},
                    {"field": "value", "title": "Value", "type": "quantitative", "format": value_format},
                    {"field": "lower", "title": "Lower 95%", "type": "quantitative", "format": value_format},
                    {"field": "upper", "title": "Upper 95%", "type": "quantitative", "format": value_format},
                ],
            },
        }
    )
    return base(
        description,
        title,
        width,
        max(120, row_height * len(df)),
        "caterpillar",
        params=[{"name": HIGHLIGHT, "value": chosen}],
        layer=layers,
    )
