"""Colours, shapes and fonts shared by every chart.

Making Data Count colours are NHS England's SPC tool palette as NHSRplotthedots ships it
(`ptd_spc_colours()`): common cause grey, special cause improvement blue, concern orange,
neutral purple, target red. Everything else uses the NHS design system's palette (nhsuk-frontend
10), so charts sit with the pages they are on. Where colour carries meaning a shape does too, and
points get a dark outline so that pale fills still stand out from the background (WCAG 2.2
non-text contrast).
"""

from __future__ import annotations

# Making Data Count (NHSRplotthedots ptd_spc_colours defaults)
MDC_COMMON = "#a6a6a6"
MDC_IMPROVEMENT = "#00b0f0"
MDC_CONCERN = "#e46c0a"
MDC_NEUTRAL = "#490092"
MDC_TARGET = "#de1b1b"
MDC_MEAN = "#000000"
MDC_LIMIT = "#a6a6a6"

POINT_TYPE_COLOURS = {
    "common_cause": MDC_COMMON,
    "special_cause_improvement": MDC_IMPROVEMENT,
    "special_cause_concern": MDC_CONCERN,
    "special_cause_neutral_high": MDC_NEUTRAL,
    "special_cause_neutral_low": MDC_NEUTRAL,
}
POINT_TYPE_SHAPES = {
    "common_cause": "circle",
    "special_cause_improvement": "square",
    "special_cause_concern": "diamond",
    "special_cause_neutral_high": "triangle-up",
    "special_cause_neutral_low": "triangle-down",
}
POINT_TYPE_LABELS = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher",
    "special_cause_neutral_low": "Special cause: lower",
}

# NHS design system (nhsuk-frontend 10 colour palette)
NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_BLACK = "#212b32"
NHS_GREY_1 = "#4c6272"
NHS_GREY_2 = "#768692"
NHS_GREY_3 = "#aeb7bd"
NHS_GREY_4 = "#d8dde0"
NHS_GREY_5 = "#f0f4f5"
NHS_RED = "#d5281b"
NHS_DARK_PINK = "#7c2855"
NHS_WARM_YELLOW = "#ffb81c"

OUTLINE = NHS_BLACK
FONT = "Arial, Helvetica, sans-serif"
