"""Distribution of practices at two (or more) dates: a strip of dots per date, one dot per
practice sized by its list size, with each date's median marked. Dots are spread vertically by a
fixed offset derived from the practice label (not random), so the picture is the same every
time it is drawn. Shows whether practices drew together or apart; the highlighted practice is a
larger dark diamond."""

from __future__ import annotations

import hashlib
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
)


def jitter(label: str) -> float:
    """A stable offset in [-1, 1] for a label."""
    digest = hashlib.sha256(label.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * 2 - 1


def distribution_chart(
    data: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    highlight: str | Iterable[str] | None = None,
    title: str | None = None,
    x_title: str = "Proportion",
    size_title: str = "List size",
    value_format: str = ".0%",
    width: int | str = 640,
    row_height: int = 110,
) -> dict[str, Any]:
    """`data`: label, period (e.g. "March 2015"), value and size (list size), one row per practice
    and period. Periods are drawn in the order they first appear."""
    df = frame(data, ["label", "period", "value", "size"], "distribution_chart")
    df = df[df["value"].notna()].copy()
    df["label"] = df["label"].astype(str)
    df["period"] = df["period"].astype(str)
    df["offset"] = [jitter(label) for label in df["label"]]
    periods = list(dict.fromkeys(df["period"]))
    medians = pd.DataFrame(
        [{"period": p, "median": float(np.median(df.loc[df["period"] == p, "value"]))} for p in periods],
        columns=["period", "median"],
    )
    chosen = highlight_list(highlight)
    description = (
        f"Distribution of practices{' for ' + title if title else ''}, one dot per practice sized by list size: "
        + "; ".join(
            f"{p}: {int((df['period'] == p).sum())} practices, median {fmt(m, value_format)}, range "
            f"{fmt(float(df.loc[df['period'] == p, 'value'].min()), value_format)} to "
            f"{fmt(float(df.loc[df['period'] == p, 'value'].max()), value_format)}"
            for p, m in zip(medians["period"], medians["median"], strict=True)
        )
    )
    description += "."
    for label in chosen:
        mine = df[df["label"] == label]
        if len(mine):
            description += (
                f" {label}: "
                + ", ".join(
                    f"{fmt(float(v), value_format)} in {p}"
                    for p, v in zip(mine["period"], mine["value"], strict=True)
                )
                + "."
            )
    y = {
        "field": "period",
        "type": "nominal",
        "title": None,
        "sort": periods,
        "axis": {"labelFontSize": 13, "labelFontWeight": "bold"},
    }
    axis = (
        percent_axis(df["value"].tolist(), along="x")
        if value_format.endswith("%")
        else {"format": value_format}
    )
    x = {"field": "value", "type": "quantitative", "title": x_title, "axis": axis, "scale": {"zero": False}}
    # The highlighted practices' names alternate above and below their points, in order of value
    # within each period, so two highlighted practices close together are not printed on top of
    # each other.
    df["label_below"] = False
    for p in periods:
        mine = df[(df["period"] == p) & df["label"].isin(chosen)].sort_values("value")
        df.loc[mine.index[1::2], "label_below"] = True
    rows = records(df, ["label", "period", "value", "size", "offset", "label_below"])
    return base(
        description,
        title,
        width,
        row_height * len(periods),
        "distribution",
        params=[{"name": HIGHLIGHT, "value": chosen}],
        layer=[
            {
                "data": {"values": rows},
                "mark": {"type": "point", "filled": True, "stroke": pal.OUTLINE, "strokeWidth": 0.5},
                "encoding": {
                    "y": y,
                    "yOffset": {"field": "offset", "type": "quantitative", "scale": {"domain": [-1.6, 1.6]}},
                    "x": x,
                    "size": {
                        "field": "size",
                        "type": "quantitative",
                        "title": size_title,
                        "scale": {"range": [15, 400], "zero": False},
                        "legend": {"format": ",d"},
                    },
                    "color": {"value": pal.NHS_GREY_3},
                    "opacity": {"value": 0.75},
                    "tooltip": [
                        {"field": "label", "title": "Practice"},
                        {"field": "period", "title": "Date"},
                        {"field": "value", "title": x_title, "type": "quantitative", "format": value_format},
                        {"field": "size", "title": size_title, "type": "quantitative", "format": ",d"},
                    ],
                },
            },
            {
                "data": {"values": records(medians)},
                "mark": {"type": "tick", "color": pal.NHS_BLACK, "thickness": 3, "size": row_height * 0.8},
                "encoding": {
                    "y": y,
                    "x": {"field": "median", "type": "quantitative"},
                    "tooltip": [
                        {"field": "median", "title": "Median", "type": "quantitative", "format": value_format}
                    ],
                },
            },
            {
                # the highlighted practice: a fixed-size diamond, so a small practice still shows
                "data": {"values": rows},
                "transform": [{"filter": is_highlighted()}],
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "size": 220,
                    "color": pal.NHS_DARK_BLUE,
                    "stroke": "white",
                    "strokeWidth": 1.5,
                    "opacity": 1,
                },
                "encoding": {
                    "y": y,
                    "yOffset": {"field": "offset", "type": "quantitative", "scale": {"domain": [-1.6, 1.6]}},
                    "x": x,
                    "tooltip": [
                        {"field": "label", "title": "Practice"},
                        {"field": "value", "title": x_title, "type": "quantitative", "format": value_format},
                    ],
                },
            },
            {
                "data": {"values": records(medians)},
                "mark": {
                    "type": "text",
                    "dy": -row_height * 0.42,
                    "fontSize": 11,
                    "color": pal.NHS_BLACK,
                    "text": "median",
                },
                "encoding": {"y": y, "x": {"field": "median", "type": "quantitative"}},
            },
            *[
                {
                    "data": {"values": rows},
                    "transform": [
                        {"filter": is_highlighted()},
                        {"filter": "datum.label_below" if below else "!datum.label_below"},
                    ],
                    "mark": {
                        "type": "text",
                        "dy": 16 if below else -14,
                        "fontWeight": "bold",
                        "fontSize": 12,
                        "color": pal.NHS_DARK_BLUE,
                    },
                    "encoding": {
                        "y": y,
                        "yOffset": {
                            "field": "offset",
                            "type": "quantitative",
                            "scale": {"domain": [-1.6, 1.6]},
                        },
                        "x": x,
                        "text": {"field": "label"},
                    },
                }
                for below in (False, True)
            ],
        ],
    )
