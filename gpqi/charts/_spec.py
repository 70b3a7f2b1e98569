"""Shared pieces of every chart spec: the top-level frame, tidy data in, JSON-safe rows out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from gpqi.charts.palette import FONT, NHS_BLACK, NHS_GREY_1, NHS_GREY_4

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HIGHLIGHT = "highlight"  # name of the Vega-Lite parameter holding the labels to pick out
LEGEND_COLUMNS = 3  # legend entries per row at a laptop's width and in downloads (1 on a phone)


def frame(
    data: pd.DataFrame | Iterable[Mapping[str, Any]], required: Iterable[str], chart: str
) -> pd.DataFrame:
    """Tidy input as a DataFrame, with a clear error naming a missing column."""
    df = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data))
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValueError(f"{chart}: data has no column {', '.join(repr(c) for c in missing)}")
    return df


def clean(value: Any) -> Any:
    """A JSON-safe scalar: NaN/inf become None, NumPy scalars plain Python, dates ISO strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return value


def records(df: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    cols = list(columns) if columns is not None else list(df.columns)
    return [{c: clean(v) for c, v in zip(cols, row, strict=True)} for row in df[cols].itertuples(index=False)]


def highlight_list(highlight: str | Iterable[str] | None) -> list[str]:
    if highlight is None:
        return []
    if isinstance(highlight, str):
        return [highlight]
    return [str(h) for h in highlight]


def is_highlighted(field: str = "label") -> str:
    """Vega expression: is this datum one of the highlighted labels?"""
    return f"indexof({HIGHLIGHT}, datum[{field!r}]) >= 0"


# The axes of every gpqi chart (also the bench charts scripts/plot-scaling.py draws).
AXIS: dict[str, Any] = {
    "labelFontSize": 12,
    "titleFontSize": 13,
    "labelColor": NHS_BLACK,
    "titleColor": NHS_BLACK,
    "gridColor": NHS_GREY_4,
    "domainColor": NHS_GREY_1,
    "tickColor": NHS_GREY_1,
}


def base(
    description: str, title: str | None, width: int | str, height: int | str, kind: str, **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "description": description,
        "width": width,
        "height": height,
        "background": "white",
        "padding": 8,
        "config": {
            "font": FONT,
            "axis": dict(AXIS),
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "orient": "bottom",
                "direction": "horizontal",
                "columns": LEGEND_COLUMNS,
                "labelLimit": 0,
            },
            "title": {"fontSize": 16, "anchor": "start", "color": NHS_BLACK},
            "view": {"stroke": None},
        },
        "usermeta": {"gpqi": {"chart": kind}},
        **extra,
    }
    if title:
        spec["title"] = title
    return spec


def fmt(value: float | None, value_format: str) -> str:
    """Python rendering of a d3-style format used in descriptions (".0%", ".1f", ",d")."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "no value"
    if value_format.endswith("%"):
        digits = value_format[1:-1] or "0"
        return f"{value * 100:.{int(digits)}f}%"
    if value_format.endswith("f"):
        return f"{value:.{int(value_format[1:-1] or 0)}f}"
    return f"{value:,.0f}"


def percent_axis(
    values: Iterable[float | None], axis: Mapping[str, Any] | None = None, along: str = "y"
) -> dict[str, Any]:
    """A percentage axis whose tick labels are never repeated: the format shows as many decimals
    as the data's range needs (26.5%, 27.0% for a narrow range; 20%, 40% for a wide one) and the
    ticks are at least one unit of that format apart; labels that would overlap are dropped."""
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    span = (max(finite) - min(finite)) if len(finite) > 1 else 1.0
    digits = 0
    while digits < 2 and span * 100 < 6 * 10**-digits:  # fewer than ~6 distinct labels at this precision
        digits += 1
    return {
        **(axis or {}),
        "format": f".{digits}%",
        "tickMinStep": 10**-digits / 100,
        "labelOverlap": True,
        # as many ticks as fit: one per 45 pixels up a y axis, per 80 along an x axis
        "tickCount": {"expr": "ceil(height / 45)" if along == "y" else "ceil(width / 80)"},
    }


def time_axis(axis: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A dated axis for monthly series: as many ticks as fit (about one per 90 pixels; Vega picks
    months, quarters, years or several years to suit), a year label at each January and a month
    label elsewhere, labels level and never overlapping."""
    return {
        **(axis or {}),
        "tickCount": {"expr": "ceil(width / 90)"},
        "labelExpr": "month(datum.value) == 0 ? timeFormat(datum.value, '%Y') : timeFormat(datum.value, '%b')",
        "labelAngle": 0,
        "labelOverlap": "greedy",
        "labelFlush": True,
        "grid": False,
    }


def whole_legend() -> dict[str, Any]:
    """Legend entries whole (never cut short). How many columns they fold into is the config's
    (`base`: LEGEND_COLUMNS; the page's script sets 1 on a phone before drawing), so the
    chart's height is laid out for the legend it draws."""
    return {"labelLimit": 0}
