"""A campaign's cumulative uptake week by week: every practice shown as a thin grey line, the
user's own practices (`highlight`) as thick red lines with dots, and on top of them the programme
total in dark blue and the target trajectory as a dashed line that rises to the target and levels
off (the rule is in gpqi.access.trajectory; this builder only draws what it is given).

With thousands of practices one line each is unreadable and megabytes of data, so the caller may
pass `spread` instead (each week's 10th, 50th and 90th percentile of the practices' uptake): it is
drawn as a grey band with the median line, and `practices` then holds only the user's own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from gpqi.charts import palette as pal
from gpqi.charts._spec import base, fmt, frame, highlight_list, records

PROGRAMME = "Programme"
TRAJECTORY = "Target trajectory"
BAND = "Middle 80% of practices"
MEDIAN = "Practice median"


def campaign_chart(
    practices: pd.DataFrame | Iterable[Mapping[str, Any]],
    programme: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    highlight: str | Iterable[str] | None = None,
    title: str | None = None,
    y_title: str = "Cumulative uptake",
    value_format: str = ".0%",
    width: int | str = "container",
    height: int | str = 340,
    spread: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """`practices`: date, label and value (one row per practice and week; value may be missing
    where it is suppressed). `programme`: date, value (the programme total) and expected (the
    trajectory). `spread` (optional): date, low, median, high, drawn instead of other practices'
    lines."""
    own = highlight_list(highlight)
    prac = frame(practices, ["date", "label", "value"], "campaign_chart practices")
    prog = frame(programme, ["date", "value", "expected"], "campaign_chart programme")
    for df in (prac, prog):
        df["date"] = pd.to_datetime(df["date"])
    prac = prac[prac["value"].notna()].copy()
    prac["group"] = ["Your practice" if label in own else "Other practices" for label in prac["label"]]
    lines = pd.concat(
        [
            prog.assign(series=PROGRAMME)[["date", "value", "series"]],
            prog.assign(series=TRAJECTORY, value=prog["expected"])[["date", "value", "series"]],
        ],
        ignore_index=True,
    )
    description = f"Cumulative uptake{' of ' + title if title else ''} by week"
    if len(prog):
        last = prog.iloc[-1]
        description += (
            f": on {last['date']:%d %B %Y} the programme is at {fmt(last['value'], value_format)} "
            f"against a trajectory of {fmt(last['expected'], value_format)}"
        )
        for label in own:
            mine = prac[(prac["label"] == label) & (prac["date"] == last["date"])]
            if len(mine):
                description += f"; {label} is at {fmt(float(mine['value'].iloc[0]), value_format)}"
    band = None
    if spread is not None:
        band = frame(spread, ["date", "low", "median", "high"], "campaign_chart spread")
        band["date"] = pd.to_datetime(band["date"])
        description += ". The grey band is the middle 80% of practices and the grey line their median."
    else:
        description += f". {prac['label'].nunique()} practices are drawn."
    x = {
        "field": "date",
        "type": "temporal",
        "title": "Week ending",
        "axis": {"format": "%d %b", "labelAngle": 0},
    }
    y = {"field": "value", "type": "quantitative", "title": y_title, "axis": {"format": value_format}}
    scale = {
        "domain": ["Other practices", "Your practice", PROGRAMME, TRAJECTORY],
        "range": [pal.MDC_COMMON, pal.NHS_RED, pal.NHS_DARK_BLUE, pal.NHS_BLACK],
    }
    if band is not None:
        scale = {
            "domain": [BAND, MEDIAN, "Your practice", PROGRAMME, TRAJECTORY],
            "range": [pal.MDC_COMMON, pal.NHS_GREY_1, pal.NHS_RED, pal.NHS_DARK_BLUE, pal.NHS_BLACK],
        }
    pct = {"type": "quantitative", "format": value_format}
    week = {"field": "date", "type": "temporal", "format": "%d %b %Y", "title": "Week"}
    background = (
        [
            {
                "data": {
                    "values": records(band.assign(series=BAND), ["date", "low", "median", "high", "series"])
                },
                "mark": {"type": "area", "opacity": 0.35},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "low"},
                    "y2": {"field": "high"},
                    "color": {"field": "series", "type": "nominal", "title": None, "scale": scale},
                    "tooltip": [
                        week,
                        {"field": "low", **pct, "title": "10th percentile"},
                        {"field": "median", **pct, "title": "Median"},
                        {"field": "high", **pct, "title": "90th percentile"},
                    ],
                },
            },
            {
                "data": {"values": records(band.assign(series=MEDIAN), ["date", "median", "series"])},
                "mark": {"type": "line", "strokeWidth": 1.5},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "median"},
                    "color": {"field": "series", "type": "nominal", "title": None, "scale": scale},
                    "tooltip": [week, {"field": "median", **pct, "title": "Median"}],
                },
            },
        ]
        if band is not None
        else [
            {
                "data": {
                    "values": records(
                        prac[prac["group"] == "Other practices"], ["date", "label", "value", "group"]
                    )
                },
                "mark": {"type": "line", "strokeWidth": 1, "opacity": 0.6},
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "label"},
                    "color": {"field": "group", "type": "nominal", "title": None, "scale": scale},
                    "tooltip": [
                        {"field": "label", "title": "Practice"},
                        {"field": "date", "type": "temporal", "format": "%d %b %Y", "title": "Week"},
                        {"field": "value", "type": "quantitative", "format": value_format, "title": "Uptake"},
                    ],
                },
            }
        ]
    )
    return base(
        description,
        title,
        width,
        height,
        "campaign",
        layer=[
            *background,
            {
                "data": {
                    "values": records(
                        prac[prac["group"] == "Your practice"], ["date", "label", "value", "group"]
                    )
                },
                "mark": {
                    "type": "line",
                    "strokeWidth": 3,
                    "point": {"filled": True, "size": 50, "stroke": pal.OUTLINE, "strokeWidth": 0.5},
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "label"},
                    "color": {"field": "group", "type": "nominal", "title": None, "scale": scale},
                    "tooltip": [
                        {"field": "label", "title": "Practice"},
                        {"field": "date", "type": "temporal", "format": "%d %b %Y", "title": "Week"},
                        {"field": "value", "type": "quantitative", "format": value_format, "title": "Uptake"},
                    ],
                },
            },
            {
                "data": {"values": records(lines, ["date", "value", "series"])},
                "mark": {"type": "line", "strokeWidth": 2.5},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"field": "series", "type": "nominal", "title": None, "scale": scale},
                    "strokeDash": {
                        "field": "series",
                        "type": "nominal",
                        "scale": {"domain": [PROGRAMME, TRAJECTORY], "range": [[1, 0], [6, 4]]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "series", "title": "Line"},
                        {"field": "date", "type": "temporal", "format": "%d %b %Y", "title": "Week"},
                        {"field": "value", "type": "quantitative", "format": value_format, "title": "Uptake"},
                    ],
                },
            },
        ],
    )
