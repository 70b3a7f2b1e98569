"""Funnel plot: each practice's proportion against its denominator, inside control limits that
narrow as the denominator grows. Limits are drawn as lines (95% dashed, 99.8% solid) around the
comparator; points are coloured and shaped by which limit they fall outside; the highlighted
practice(s) (a Vega-Lite parameter, `highlight`) are larger, outlined and labelled."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
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
from gpqi.stats import funnel_limits

STATUSES = ("Above 99.8% limit", "Above 95% limit", "Within limits", "Below 95% limit", "Below 99.8% limit")
# Beyond 99.8%: a filled triangle; beyond 95% only: the same triangle hollow (a thick coloured
# outline, white inside); within: a small grey circle. Direction by the triangle, meaning by
# colour, certainty by fill: no two statuses look alike, in colour or in grey.
SHAPES = ("triangle-up", "triangle-up", "circle", "triangle-down", "triangle-down")


def status_colours(higher_is_better: bool | None) -> list[str]:
    """Outline colours for STATUSES: better than expected blue, worse orange, neutral purple (MDC)."""
    if higher_is_better is None:
        high = low = pal.MDC_NEUTRAL
    else:
        high, low = (
            (pal.MDC_IMPROVEMENT, pal.MDC_CONCERN)
            if higher_is_better
            else (pal.MDC_CONCERN, pal.MDC_IMPROVEMENT)
        )
    return [high, high, pal.NHS_GREY_1, low, low]


def status_fills(higher_is_better: bool | None) -> list[str]:
    """Fills for STATUSES: solid beyond 99.8%, white (hollow) beyond 95% only, pale grey within."""
    outline = status_colours(higher_is_better)
    return [outline[0], "#ffffff", pal.NHS_GREY_4, "#ffffff", outline[4]]


def _status(row: Mapping[str, Any]) -> str:
    for level, name in (("998", "99.8%"), ("95", "95%")):
        flag = row.get(f"outlier_{level}")
        if flag == "high":
            return f"Above {name} limit"
        if flag == "low":
            return f"Below {name} limit"
    return "Within limits"


def limit_grid(denominators: Iterable[float], points: int = 80) -> np.ndarray:
    """Denominators to draw the limit curves at: geometric from below the smallest to above the
    largest unit, so the curve is smooth where it bends most."""
    n = np.asarray([d for d in denominators if d is not None and np.isfinite(d) and d > 0], dtype="float64")
    if len(n) == 0:
        return np.array([])
    low, high = max(1.0, n.min() * 0.8), n.max() * 1.1
    return np.unique(np.round(np.geomspace(low, high, points)))


def funnel_chart(
    points: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    target: float,
    method: str = "wilson",
    tau2: float = 0.0,
    limits: pd.DataFrame | None = None,
    highlight: str | Iterable[str] | None = None,
    higher_is_better: bool | None = True,
    title: str | None = None,
    x_title: str = "Denominator (patients)",
    y_title: str = "Proportion",
    value_format: str = ".0%",
    width: int | str = 640,
    height: int | str = 380,
) -> dict[str, Any]:
    """`points`: one row per unit with label, denominator, proportion and (from
    `gpqi.stats.funnel(...).table`) outlier_95 / outlier_998. Limits are computed from `target`,
    `method` and `tau2` unless a `limits` table (as `gpqi.stats.funnel_limits`) is given."""
    df = frame(points, ["label", "denominator", "proportion"], "funnel_chart")
    df = df[df["denominator"].astype("float64") > 0].copy()
    df["label"] = df["label"].astype(str)
    df["status"] = [_status(r) for r in df.to_dict("records")]
    if limits is None:
        limits = funnel_limits(limit_grid(df["denominator"].astype("float64")), target, method, tau2)
    lines = []
    for row in limits.to_dict("records"):
        for side in ("lower", "upper"):
            for level, name in (("95", "95% limits"), ("998", "99.8% limits")):
                lines.append(
                    {
                        "denominator": row["denominator"],
                        "limit": row[f"{side}_{level}"],
                        "line": name,
                        "side": side,
                    }
                )
    lines_df = pd.DataFrame(lines, columns=["denominator", "limit", "line", "side"])

    chosen = highlight_list(highlight)
    counts = df["status"].value_counts()
    above = int(counts.get("Above 99.8% limit", 0))
    below = int(counts.get("Below 99.8% limit", 0))
    description = (
        f"Funnel plot{' of ' + title if title else ''}: {len(df)} practices by denominator and proportion, with 95% and "
        f"99.8% control limits ({method} method) around {fmt(target, value_format)}. {above} above and {below} below "
        "the 99.8% limits."
    )
    for label in chosen:
        hit = df[df["label"] == label]
        if len(hit):
            r = hit.iloc[0]
            description += f" {label}: {fmt(float(r['proportion']), value_format)} of {int(r['denominator'])}, {r['status'].lower()}."

    point_fields = ["label", "denominator", "proportion", "status", "side"]
    tooltip = [
        {"field": "label", "title": "Practice"},
        {"field": "proportion", "title": y_title, "format": value_format, "type": "quantitative"},
        {"field": "denominator", "title": "Denominator", "format": ",d", "type": "quantitative"},
        {"field": "status", "title": "Funnel"},
    ]
    extent = df["proportion"].tolist() + [target]
    y_axis = {
        "field": "proportion",
        "type": "quantitative",
        "title": y_title,
        "axis": percent_axis(extent) if value_format.endswith("%") else {"format": value_format},
    }
    x_axis = {
        "field": "denominator",
        "type": "quantitative",
        "title": x_title,
        "scale": {"zero": True},
        "axis": {
            "format": ",d",
            "tickMinStep": 1,
            "labelOverlap": True,
            "tickCount": {"expr": "ceil(width / 80)"},
        },
    }
    # A highlighted practice's name sits beside its point on the side with room: right of points
    # in the left 60% of the axis, left of the others, so it is never cut at the chart's edge.
    x_max = float(max([*df["denominator"].astype("float64").tolist(), 1.0]))
    df["side"] = ["left" if float(d) > 0.6 * x_max * 1.1 else "right" for d in df["denominator"]]
    return base(
        description,
        title,
        width,
        height,
        "funnel",
        params=[{"name": HIGHLIGHT, "value": chosen}],
        layer=[
            {
                "data": {"values": records(lines_df)},
                "mark": {"type": "line", "strokeWidth": 1.5, "clip": True},
                "encoding": {
                    "x": {"field": "denominator", "type": "quantitative"},
                    "y": {"field": "limit", "type": "quantitative", "scale": {"zero": False}},
                    "detail": {"field": "side"},
                    "strokeDash": {
                        "field": "line",
                        "type": "nominal",
                        "title": "Control limits",
                        "scale": {"domain": ["95% limits", "99.8% limits"], "range": [[6, 4], [1, 0]]},
                        # above the chart, so the point legend below has the chart's full width
                        "legend": {"orient": "top", "direction": "horizontal"},
                    },
                    "color": {"value": pal.NHS_GREY_1},
                },
            },
            {
                "data": {"values": [{"target": target}]},
                "mark": {"type": "rule", "color": pal.NHS_BLACK, "strokeWidth": 1},
                "encoding": {"y": {"field": "target", "type": "quantitative", "scale": {"zero": False}}},
            },
            {
                "data": {"values": records(df, point_fields)},
                "mark": {"type": "point", "filled": True, "opacity": 1},
                "encoding": {
                    "x": x_axis,
                    "y": y_axis,
                    "fill": {
                        "field": "status",
                        "type": "nominal",
                        "title": "Funnel",
                        "scale": {"domain": list(STATUSES), "range": status_fills(higher_is_better)},
                        "legend": whole_legend(),
                    },
                    "stroke": {
                        "field": "status",
                        "type": "nominal",
                        "title": "Funnel",
                        "scale": {"domain": list(STATUSES), "range": status_colours(higher_is_better)},
                    },
                    "shape": {
                        "field": "status",
                        "type": "nominal",
                        "title": "Funnel",
                        "scale": {"domain": list(STATUSES), "range": list(SHAPES)},
                    },
                    "size": {"condition": {"test": is_highlighted(), "value": 260}, "value": 70},
                    "strokeWidth": {"condition": {"test": is_highlighted(), "value": 3.5}, "value": 2},
                    "tooltip": tooltip,
                },
            },
            *[
                {
                    "data": {"values": records(df, point_fields)},
                    "transform": [{"filter": f"{is_highlighted()} && datum.side == '{side}'"}],
                    "mark": {
                        "type": "text",
                        "align": "left" if side == "right" else "right",
                        "dx": 12 if side == "right" else -12,
                        "dy": -10,
                        "fontWeight": "bold",
                        "fontSize": 13,
                    },
                    "encoding": {
                        "x": x_axis,
                        "y": y_axis,
                        "text": {"field": "label"},
                        "color": {"value": pal.NHS_BLACK},
                    },
                }
                for side in ("right", "left")
            ],
        ],
    )
