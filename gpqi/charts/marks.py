"""Marks added to a time-series chart: a dashed rule and a label at each date where the
indicator's definition changed, so a step in the trend can be read against its cause."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gpqi.charts import palette as pal

__all__ = ["with_definition_changes"]


def with_definition_changes(
    spec: dict[str, Any], changes: Iterable[tuple[str, str]], x: str = "date"
) -> dict[str, Any]:
    """`spec` (a layered Vega-Lite spec with a temporal x) with a rule per (ISO date, label)."""
    rows = [{x: day, "label": label} for day, label in changes]
    if not rows or "layer" not in spec:
        return spec
    rule = {
        "data": {"values": rows},
        "mark": {"type": "rule", "strokeDash": [6, 4], "color": pal.NHS_GREY_1, "strokeWidth": 1.5},
        "encoding": {"x": {"field": x, "type": "temporal"}},
    }
    text = {
        "data": {"values": rows},
        "mark": {
            "type": "text",
            "align": "left",
            "baseline": "top",
            "dx": 4,
            "y": 4,
            "fontSize": 11,
            "color": pal.NHS_GREY_1,
        },  # fmt: skip
        "encoding": {"x": {"field": x, "type": "temporal"}, "text": {"field": "label"}},
    }
    spec = dict(spec)
    spec["layer"] = [*spec["layer"], rule, text]
    spec["description"] = (
        spec.get("description", "")
        + " Dashed lines mark where the definition changed: "
        + "; ".join(f"{r['label']} ({r[x]})" for r in rows)
        + "."
    )
    return spec
