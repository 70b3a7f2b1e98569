"""A tiny inline SVG line for table rows (a trend glance, not a chart: no axes, no data beyond
the user's own practice's values), with a text alternative."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape


def svg(points: list[dict[str, Any]], label: str, width: int = 120, height: int = 32) -> Markup:
    values = [p["value"] for p in points if p.get("value") is not None]
    if len(values) < 2:
        return Markup("")
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = (width - 4) / (len(values) - 1)
    coords = " ".join(
        f"{2 + i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values)
    )
    first, last = values[0], values[-1]
    text = f"{label}: from {first * 100:.1f}% to {last * 100:.1f}%"
    return Markup(
        f'<svg class="gpqi-sparkline" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(text)}">'
        f'<title>{escape(text)}</title><polyline fill="none" stroke="#005eb8" stroke-width="2" points="{coords}"/></svg>'
    )
