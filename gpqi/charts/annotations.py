"""Dates marked on a time chart: a QI project's PDSA cycles, free-standing notes ("new template
installed") and new definition versions, drawn as vertical rules with a short key ("P1", "N1",
"D1") at the top, so the page, PDF and email draw the same marks from the same spec.

`annotate(spec, marks)` adds the layers to a layered spec whose x field is a temporal `date`
(the SPC and trend charts) and says what is marked in the spec's description; the caller lists
each key with its full text beside the chart.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from gpqi.charts import palette as pal

KINDS: dict[str, tuple[str, str, str]] = {  # kind -> (key prefix, colour, name)
    "pdsa": ("P", pal.NHS_BLUE, "PDSA cycle"),
    "note": ("N", pal.NHS_DARK_PINK, "note"),
    "definition": ("D", pal.NHS_BLACK, "definition change"),
}


def keys(marks: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each mark (date, label, kind) with its key: P1, P2 … per kind, in date order."""
    counts: dict[str, int] = {}
    out = []
    for m in sorted(marks, key=lambda m: str(m["date"])):
        kind = m["kind"] if m["kind"] in KINDS else "note"
        counts[kind] = counts.get(kind, 0) + 1
        prefix, colour, name = KINDS[kind]
        out.append(
            {
                "date": str(m["date"])[:10],
                "on": str(m["date"])[:10],  # the date itself (`date` may be moved to a chart's point)
                "label": str(m["label"]),
                "kind": kind,
                "key": f"{prefix}{counts[kind]}",
                "colour": colour,
                "kind_name": name,
            }
        )
    return out


def _key_y(i: int) -> int:
    """The pixel row of the i-th mark's key (in date order): 44, 57, 70, 44 ..."""
    return 44 + 13 * (i % 3)


def annotate(spec: dict[str, Any], marks: Iterable[Mapping[str, Any]], x: str = "date") -> dict[str, Any]:
    """A copy of `spec` with a rule and a key at each mark's date."""
    rows = keys(marks)
    out = copy.deepcopy(spec)
    if not rows:
        return out
    first = (out.get("layer") or [{}])[0]
    x_enc = {**first.get("encoding", {}).get("x", {"type": "temporal"}), "field": x}
    x_enc.pop("axis", None)
    x_enc.pop("title", None)
    if x_enc.get("type") == "temporal":
        data = {"values": [{**r, x: r["date"], "key_y": _key_y(i)} for i, r in enumerate(rows)]}
    else:
        # An ordinal axis of ISO dates (reporting dates): each mark goes at the first point on or
        # after its date (a new category would be drawn at the end); marks after the last are left out.
        points = sorted({str(v[x]) for v in first.get("data", {}).get("values", []) if v.get(x) is not None})
        placed = []
        for r in rows:
            at = next((p for p in points if p[:10] >= r["on"]), None)
            if at is not None:
                placed.append({**r, x: at})
        rows = placed
        if not rows:
            return out
        data = {"values": [{**r, "key_y": _key_y(i)} for i, r in enumerate(rows)]}
    out["layer"] = [
        *out.get("layer", []),
        {
            "data": data,
            "mark": {"type": "rule", "strokeWidth": 1.5, "strokeDash": [2, 2]},
            "encoding": {
                "x": x_enc,
                "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
                "tooltip": [
                    {"field": "key", "title": "Mark"},
                    {"field": "on", "title": "Date"},
                    {"field": "label"},
                ],
            },
        },
        {
            "data": data,
            "mark": {
                "type": "text",
                "dy": -4,
                "dx": 3,
                "align": "left",
                "baseline": "bottom",
                "fontSize": 11,
            },
            "encoding": {
                "x": x_enc,
                # keys in three staggered rows, so marks a few months apart do not print on
                # top of each other (a phone's chart has a month in a few pixels)
                "y": {"field": "key_y", "type": "quantitative", "scale": None},
                "text": {"field": "key"},
                "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
            },
        },
    ]
    listed = "; ".join(f"{r['key']} {r['on']} {r['label']}" for r in rows)
    out["description"] = f"{out.get('description', '')} Marked: {listed}.".strip()
    out.setdefault("usermeta", {}).setdefault("gpqi", {})["marks"] = rows
    return out
